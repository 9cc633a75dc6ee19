// Migrations at start: instances that start together on one new database apply each migration once, whichever
// engine the suite runs on. On PostgreSQL (applied by src/migrations/postgres.ts, since Prisma's JS schema engine
// cannot yet), a migration that fails leaves nothing behind and is not recorded, and a committed migration that
// changed after it was applied is reported, as Prisma's migrate does.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { applyMigrations } from "../src/migrations/apply.ts";
import { MIGRATIONS_DIRS } from "../src/migrations/engines.ts";
import { applyPostgresMigrations } from "../src/migrations/postgres.ts";
import { migrationNames } from "../src/migrations/postgresSchema.ts";
import { openDb, assertMigrated } from "../src/db.ts";
import { adminQuery, postgresDatabaseUrl, testPostgresUrl } from "./helpers/database.ts";

let n = 0;
/** An empty database of the suite's engine (not the migrated template). */
async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = testPostgresUrl();
  if (server) {
    const name = `minhu_empty_${process.pid}_${++n}`;
    await adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await adminQuery(server, `CREATE DATABASE "${name}"`);
    return { url: postgresDatabaseUrl(server, name), drop: () => adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "minhu-migrate-"));
  return { url: `file:${path.join(dir, "new.db")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function recorded(url: string): Promise<{ migration_name: string; finished: boolean; steps: number }[]> {
  const db = await openDb(url);
  try {
    const rows = await db.$queryRawUnsafe<{ migration_name: string; finished_at: unknown; applied_steps_count: number | bigint }[]>(
      `SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    return rows.map((r) => ({ migration_name: r.migration_name, finished: r.finished_at !== null, steps: Number(r.applied_steps_count) }));
  } finally {
    await db.$disconnect();
  }
}

describe("migrations at start", () => {
  it("are applied once when three instances start together on a new database", { timeout: 120_000 }, async () => {
    const database = await emptyDatabase();
    try {
      const engine = testPostgresUrl() ? "postgres" : "sqlite";
      await Promise.all([applyMigrations(database.url), applyMigrations(database.url), applyMigrations(database.url)]);
      const rows = await recorded(database.url);
      const committed = migrationNames(MIGRATIONS_DIRS[engine]);
      expect(rows.map((r) => r.migration_name)).toEqual(committed);
      expect(rows.every((r) => r.finished && r.steps === 1)).toBe(true);
      // The service starts on it, and again applying finds nothing to do.
      const db = await openDb(database.url);
      await assertMigrated(db);
      await db.$disconnect();
      await applyMigrations(database.url);
      expect(await recorded(database.url)).toEqual(rows);
    } finally {
      await database.drop();
    }
  });

  it("let a second instance start beside a running one on the same database (SQLite: the CLI needs the file to itself)", { timeout: 60_000 }, async () => {
    const database = await emptyDatabase();
    try {
      await applyMigrations(database.url);
      const running = await openDb(database.url);
      await running.area.count();
      try {
        // It waited out the busy timeout and failed ("unknown variant `SocketTimeout`") while the first held the file.
        await applyMigrations(database.url);
        await running.area.count();
      } finally {
        await running.$disconnect();
      }
    } finally {
      await database.drop();
    }
  });

  it("on PostgreSQL, roll a failing migration back whole and record it nowhere; report one changed since it was applied", { timeout: 60_000 }, async () => {
    const server = testPostgresUrl();
    const dir = mkdtempSync(path.join(os.tmpdir(), "minhu-pg-migrations-"));
    const write = (name: string, sql: string) => {
      mkdirSync(path.join(dir, name), { recursive: true });
      writeFileSync(path.join(dir, name, "migration.sql"), sql);
    };
    write("20260101000000_first", `CREATE TABLE "Thing" ("id" SERIAL PRIMARY KEY, "name" TEXT NOT NULL);`);
    write("20260102000000_broken", `CREATE TABLE "Other" ("id" SERIAL PRIMARY KEY);\nINSERT INTO "Thing" ("name") VALUES (NULL);`);
    try {
      if (!server) {
        // On SQLite these migrations are Prisma's own (prisma migrate deploy); the runner is PostgreSQL's. What this
        // suite can check of it without a server: it refuses to run without one, clearly.
        await expect(applyPostgresMigrations("postgresql://127.0.0.1:1/none", dir)).rejects.toThrow(/ECONNREFUSED|connect/);
        return;
      }
      const database = await emptyDatabase();
      try {
        await expect(applyPostgresMigrations(database.url, dir)).rejects.toThrow(/20260102000000_broken failed and was rolled back: .*null value/);
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const tables = (await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).rows.map((r) => r.tablename);
        expect(tables).toEqual(["Thing", "_prisma_migrations"]); // "Other" went with the failed migration
        expect((await client.query(`SELECT migration_name FROM "_prisma_migrations"`)).rows.map((r) => r.migration_name)).toEqual(["20260101000000_first"]);
        // Fixed, it goes through; the first one's file changed since, which is reported and not applied again.
        write("20260102000000_broken", `CREATE TABLE "Other" ("id" SERIAL PRIMARY KEY);`);
        write("20260101000000_first", `CREATE TABLE "Thing" ("id" SERIAL PRIMARY KEY, "name" TEXT);`);
        expect(await applyPostgresMigrations(database.url, dir)).toEqual({ applied: ["20260102000000_broken"], changed: ["20260101000000_first"] });
        await client.end();
      } finally {
        await database.drop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
