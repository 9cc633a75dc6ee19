// One schema, two engines. prisma/schema.prisma is the one people edit; PostgreSQL's schema is made from it and
// each SQLite migration has a PostgreSQL counterpart (npm run db:postgres-schema). On whichever engine the suite
// runs, the database its committed migrations build must be the one its schema file describes.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIRS, SCHEMA_FILES } from "../src/migrations/engines.ts";
import { covers, coversLine, migrationNames, migrationsToPort, postgresSchemaFrom, readMigrations } from "../src/migrations/postgresSchema.ts";
import { adminQuery, freshDatabase, postgresDatabaseUrl, testPostgresUrl } from "./helpers/database.ts";
import { postgresCatalogue, sqliteCatalogue } from "./helpers/catalogue.ts";
import { fromRoot, ROOT } from "./helpers/paths.ts";
import pg from "pg";

/** The SQL that builds the schema in `file` from nothing, as Prisma writes it. */
const fromEmpty = (file: string) =>
  execFileSync(process.execPath, [fromRoot("node_modules/prisma/build/index.js"), "migrate", "diff", "--from-empty", "--to-schema-datamodel", file, "--script"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });

describe("the PostgreSQL schema", () => {
  it("is the SQLite schema with PostgreSQL's provider, as committed", () => {
    const committed = readFileSync(SCHEMA_FILES.postgres, "utf8");
    expect(committed).toBe(postgresSchemaFrom(readFileSync(SCHEMA_FILES.sqlite, "utf8")));
    expect(committed).toContain('provider = "postgresql"');
    // Every model of the one is in the other.
    const models = (s: string) => [...s.matchAll(/^model (\w+)/gm)].map((m) => m[1]);
    expect(models(committed)).toEqual(models(readFileSync(SCHEMA_FILES.sqlite, "utf8")));
  });

  it("has a migration for every SQLite migration", () => {
    const sqlite = migrationNames(MIGRATIONS_DIRS.sqlite);
    const postgres = readMigrations(MIGRATIONS_DIRS.postgres);
    expect(postgres.length).toBeGreaterThan(0);
    expect(migrationsToPort(sqlite, postgres)).toEqual([]);
    // Each stands for SQLite migrations that exist.
    for (const m of postgres) expect(sqlite).toEqual(expect.arrayContaining(covers(m.sql)));
  });

  it("notices a SQLite migration that PostgreSQL has not caught up with", () => {
    const baseline = { name: "20261201250000_postgres_baseline", sql: `${coversLine(["20261129000000_init", "20261201250000_b"])}\nCREATE TABLE …` };
    expect(migrationsToPort(["20261129000000_init", "20261201250000_b", "20261202000000_new"], [baseline])).toEqual(["20261202000000_new"]);
    // One that lands after a newer one was ported is still noticed.
    const later = { name: "20261202100000_later", sql: `${coversLine(["20261202100000_later"])}\n` };
    expect(migrationsToPort(["20261129000000_init", "20261201250000_b", "20261202000000_new", "20261202100000_later"], [baseline, later])).toEqual(["20261202000000_new"]);
    expect(() => postgresSchemaFrom('datasource db {\n  provider = "postgresql"\n}\n')).toThrow(/provider "sqlite"/);
  });
});

describe("the committed migrations", () => {
  it("build the database the schema file describes, on the engine the suite runs on", { timeout: 60_000 }, async () => {
    const server = testPostgresUrl();
    if (server) {
      // The template holds the migrations as the runner applied them; a second database is built from the schema.
      const built = await freshDatabase();
      const fromSchema = `minhu_schema_${process.pid}`;
      await adminQuery(server, `DROP DATABASE IF EXISTS "${fromSchema}"`);
      await adminQuery(server, `CREATE DATABASE "${fromSchema}"`);
      try {
        const client = new pg.Client({ connectionString: postgresDatabaseUrl(server, fromSchema) });
        await client.connect();
        await client.query(fromEmpty(SCHEMA_FILES.postgres));
        await client.end();
        const migrated = await postgresCatalogue(built.url);
        expect(migrated.length).toBeGreaterThan(100);
        expect(migrated).toEqual(await postgresCatalogue(postgresDatabaseUrl(server, fromSchema)));
      } finally {
        await built.drop();
        await adminQuery(server, `DROP DATABASE IF EXISTS "${fromSchema}" WITH (FORCE)`);
      }
      return;
    }
    const built = await freshDatabase();
    try {
      const file = `${built.dir}/from-schema.db`;
      const db = new Database(file);
      // The JS schema engine writes SQLite's JSON defaults unquoted (DEFAULT []); the migrations quote them.
      db.exec(fromEmpty(SCHEMA_FILES.sqlite).replace(/DEFAULT (\[\]|\{\})/g, "DEFAULT '$1'"));
      db.close();
      const migrated = await sqliteCatalogue(inject("templateDb"));
      expect(migrated.length).toBeGreaterThan(100);
      expect(migrated).toEqual(await sqliteCatalogue(file));
    } finally {
      await built.drop();
    }
  });
});
