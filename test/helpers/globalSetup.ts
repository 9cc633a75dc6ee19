// Applies the committed migrations once to a template database that each test copies: on SQLite with the real
// Prisma CLI (a template file), on PostgreSQL (TEST_POSTGRES_URL set) with the service's own migration runner (a
// template database). The template is per run, so two test runs do not disturb each other.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyPostgresMigrations } from "../../src/migrations/postgres.ts";
import { adminQuery, postgresDatabaseUrl, testPostgresUrl } from "./database.ts";
import { fromRoot, ROOT } from "./paths.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** SQLite: the template file; PostgreSQL: the template database's name. */
    templateDb: string;
  }
}

export default async function setup(project: TestProject) {
  const server = testPostgresUrl();
  if (server) {
    const template = `minhu_tpl_${process.pid}`;
    await adminQuery(server, `DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await adminQuery(server, `CREATE DATABASE "${template}"`);
    await applyPostgresMigrations(postgresDatabaseUrl(server, template));
    project.provide("templateDb", template);
    return async () => {
      // The template, and any copy a test left behind (a worker that was stopped midway).
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      const left = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${template}%`]);
      await client.end();
      for (const { datname } of left.rows) await adminQuery(server, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    };
  }
  const templateDb = fromRoot(".tmp", `template-${process.pid}.db`);
  mkdirSync(path.dirname(templateDb), { recursive: true });
  execFileSync(process.execPath, [fromRoot("node_modules/prisma/build/index.js"), "migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `file:${templateDb}` },
    stdio: "pipe",
  });
  project.provide("templateDb", templateDb);
  return () => {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(templateDb + suffix, { force: true });
  };
}
