// Brings a database up to the committed migrations before the service starts: SQLite through Prisma's own
// `migrate deploy`, PostgreSQL through ./postgres.ts.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { engineOf, MIGRATIONS_DIRS } from "./engines.ts";
import { applyPostgresMigrations, type MigrationRun } from "./postgres.ts";
import { migrationNames } from "./postgresSchema.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * Whether a SQLite file already has every committed migration. Then Prisma's CLI is not run: it needs the file to
 * itself, so beside a running instance (a second process starting on the same file) it waited out the busy
 * timeout and failed ("unknown variant `SocketTimeout`"). Any doubt (no file, no table, cannot read): run it.
 */
function sqliteUpToDate(url: string): boolean {
  // Relative to the project, as the CLI (run in ROOT) reads it.
  const file = path.resolve(ROOT, url.replace(/^file:/, "").replace(/\?.*$/, ""));
  if (!existsSync(file)) return false;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL").all() as { migration_name: string }[];
      const applied = new Set(rows.map((r) => r.migration_name));
      return migrationNames(MIGRATIONS_DIRS.sqlite).every((m) => applied.has(m));
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

export async function applyMigrations(url: string): Promise<MigrationRun | null> {
  if (engineOf(url) === "postgres") return applyPostgresMigrations(url);
  if (sqliteUpToDate(url)) return null;
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/prisma/build/index.js"), "migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
    stdio: "pipe",
  });
  return null;
}
