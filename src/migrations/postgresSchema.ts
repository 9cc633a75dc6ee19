// One source of truth for the schema: prisma/schema.prisma (SQLite) is the one people edit; the PostgreSQL schema is
// made from it here, and each SQLite migration gets its PostgreSQL counterpart from `prisma migrate diff`
// (npm run db:postgres-schema). test/postgres-schema.test.ts fails when the two drift apart.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const GENERATED_HEADER =
  "// GENERATED from prisma/schema.prisma by `npm run db:postgres-schema`: do not edit (edit that file and run it).\n";

/** The PostgreSQL schema for a SQLite schema: the same models; another provider and client folder. */
export function postgresSchemaFrom(sqlite: string): string {
  const provider = /(datasource db \{[^}]*provider\s*=\s*)"sqlite"/;
  const output = /(generator client \{[^}]*output\s*=\s*)"\.\.\/src\/generated\/prisma"/;
  if (!provider.test(sqlite) || !output.test(sqlite)) {
    throw new Error('prisma/schema.prisma no longer has provider "sqlite" and output "../src/generated/prisma": update src/migrations/postgresSchema.ts');
  }
  return GENERATED_HEADER + sqlite.replace(provider, '$1"postgresql"').replace(output, '$1"../../src/generated/prisma-pg"');
}

/** The committed migrations of a folder, oldest first (named <14-digit time>_<what>). */
export function migrationNames(dir: string): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  return entries.filter((n) => /^\d{14}_/.test(n)).sort();
}

/** The line each PostgreSQL migration starts with, naming the SQLite migrations it stands for. */
export const coversLine = (sqlite: string[]) => `-- For the SQLite migration${sqlite.length > 1 ? "s" : ""} ${sqlite.join(", ")}.`;

/** The SQLite migrations a PostgreSQL migration stands for, from its first line. */
export function covers(sql: string): string[] {
  const m = /^-- For the SQLite migrations? (.+)\.$/m.exec(sql.split("\n", 1)[0]);
  return m ? m[1].split(", ").map((n) => n.trim()) : [];
}

/** The SQLite migrations no PostgreSQL migration stands for yet (each one names those it covers on its first line). */
export function migrationsToPort(sqlite: string[], postgres: { name: string; sql: string }[]): string[] {
  const covered = new Set(postgres.flatMap((m) => covers(m.sql)));
  return sqlite.filter((n) => !covered.has(n));
}

/** The committed PostgreSQL migrations with their SQL. */
export function readMigrations(dir: string): { name: string; sql: string }[] {
  return migrationNames(dir).map((name) => ({ name, sql: readFileSync(path.join(dir, name, "migration.sql"), "utf8") }));
}
