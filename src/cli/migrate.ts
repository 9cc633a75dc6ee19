// npm run migrate: applies the committed migrations to DATABASE_URL (SQLite or PostgreSQL), as npm start does first.
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { applyMigrations } from "../migrations/apply.ts";

loadDotEnv();
const url = loadConfig().DATABASE_URL;
const run = await applyMigrations(url);
if (run) {
  console.log(run.applied.length ? `applied ${run.applied.join(", ")}` : "the database is up to date");
  for (const name of run.changed) console.warn(`warning: ${name} was applied, but its committed file has changed since`);
} else {
  console.log("SQLite migrations applied (prisma migrate deploy)");
}
