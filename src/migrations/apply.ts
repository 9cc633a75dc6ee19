// Brings a database up to the committed migrations before the service starts: SQLite through Prisma's own
// `migrate deploy`, PostgreSQL through ./postgres.ts.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { engineOf } from "./engines.ts";
import { applyPostgresMigrations, type MigrationRun } from "./postgres.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function applyMigrations(url: string): Promise<MigrationRun | null> {
  if (engineOf(url) === "postgres") return applyPostgresMigrations(url);
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/prisma/build/index.js"), "migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
    stdio: "pipe",
  });
  return null;
}
