// A PostgreSQL server as a whole, for what makes and drops databases on it (the tests' and the benchmark's copies of
// a migrated template): the URL of one of its databases, and a statement run as its administrator.
import pg from "pg";

/** The URL of database `name` on the server at `serverUrl`. */
export function postgresDatabaseUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs one statement on a connection of its own (CREATE / DROP DATABASE cannot run inside a pool's transaction). */
export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
