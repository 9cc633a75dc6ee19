// A database of its own for each test service: a copy of the migrated template, on SQLite (a file copied into a new
// temporary folder) or, when TEST_POSTGRES_URL names a PostgreSQL server, on PostgreSQL (CREATE DATABASE … TEMPLATE).
// Either way the test also gets a folder of its own (media files, the first administrator's password file).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, inject } from "vitest";
import { adminQuery, postgresDatabaseUrl } from "../../src/migrations/server.ts";
import { openDb, statementsSent, type Db } from "../../src/db.ts";

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

/** For each test of the file that calls it: a fresh database and a client on it, closed and dropped after the test. */
export function databasePerTest(): () => Promise<Db> {
  let db: Db | null = null;
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await db?.$disconnect();
    await database?.drop();
    db = database = null;
  });
  return async () => {
    database = await freshDatabase();
    return (db = await openDb(database.url));
  };
}

/** What `work` returns and how many statements it sent to the database (db.ts statementsSent). */
export async function statementsOf<T>(work: () => Promise<T>): Promise<{ value: T; statements: number }> {
  const before = statementsSent.count;
  const value = await work();
  return { value, statements: statementsSent.count - before };
}
