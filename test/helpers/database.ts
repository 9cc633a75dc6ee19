// A database of its own for each test service: a copy of the migrated template, on SQLite (a file copied into a new
// temporary folder) or, when TEST_POSTGRES_URL names a PostgreSQL server, on PostgreSQL (CREATE DATABASE … TEMPLATE).
// Either way the test also gets a folder of its own (media files, the first administrator's password file).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { adminQuery, postgresDatabaseUrl } from "../../src/migrations/server.ts";

export { adminQuery, postgresDatabaseUrl } from "../../src/migrations/server.ts";

export interface TestDatabase {
  url: string;
  /** A temporary folder of the test's own, removed with the database. */
  dir: string;
  drop(): Promise<void>;
}

/** The server the suite runs on, from TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:55432/postgres); null: SQLite. */
export function testPostgresUrl(): string | null {
  const url = process.env.TEST_POSTGRES_URL?.trim();
  return url ? url : null;
}

let counter = 0;

export async function freshDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "minhu-test-"));
  const template = inject("templateDb");
  const server = testPostgresUrl();
  if (!server) {
    const file = path.join(dir, "test.db");
    copyFileSync(template, file);
    return { url: `file:${file}`, dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `${template}_${process.pid}_${++counter}`;
  // Two workers copying the template at the same moment can be refused ("being accessed by other users"): again.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(server, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      break;
    } catch (err) {
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  return {
    url: postgresDatabaseUrl(server, name),
    dir,
    async drop() {
      await adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
