// Applies the committed PostgreSQL migrations (prisma/postgres/migrations). Prisma's own `migrate deploy` cannot do
// it yet with the JS schema engine over the pg adapter (prisma/orm#27403: "Column type 'name' could not be
// deserialized"), so this does what it does: each migration's SQL in a transaction, recorded in _prisma_migrations
// with the same columns and checksum (SHA-256 of the file) — so `prisma migrate deploy` can take over once that is
// fixed — under Prisma's own advisory lock, so instances starting together apply each migration once.
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { MIGRATIONS_DIRS } from "./engines.ts";
import { migrationNames } from "./postgresSchema.ts";

/** The key `prisma migrate` takes (pg_advisory_lock(72707369)): this runner and Prisma's exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369;

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationRun {
  applied: string[];
  /** Migrations applied earlier whose committed file has changed since (Prisma warns about these too). */
  changed: string[];
}

export async function applyPostgresMigrations(url: string, dir = MIGRATIONS_DIRS.postgres): Promise<MigrationRun> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    await client.query(MIGRATIONS_TABLE);
    const done = new Map<string, string>();
    const rows = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    for (const r of rows.rows) done.set(r.migration_name, r.checksum);
    const run: MigrationRun = { applied: [], changed: [] };
    for (const name of migrationNames(dir)) {
      const script = readFileSync(path.join(dir, name, "migration.sql"));
      const checksum = createHash("sha256").update(script).digest("hex");
      if (done.has(name)) {
        if (done.get(name) !== checksum) run.changed.push(name);
        continue;
      }
      await client.query("BEGIN");
      try {
        const id = randomUUID();
        await client.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`, [id, checksum, name]);
        await client.query(script.toString("utf8"));
        await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`PostgreSQL migration ${name} failed and was rolled back: ${(err as Error).message}`, { cause: err });
      }
      run.applied.push(name);
    }
    return run;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    await client.end();
  }
}
