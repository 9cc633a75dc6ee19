// One source of truth for the schema: prisma/schema.prisma (SQLite) is the one people edit; the PostgreSQL schema is
// made from it here, and each SQLite migration gets its PostgreSQL counterpart from `prisma migrate diff`
// (npm run db:postgres-schema). test/postgres-schema.test.ts fails when the two drift apart.
import { readdirSync } from "node:fs";

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

const stamp = (name: string) => name.slice(0, 14);

/**
 * The SQLite migrations that PostgreSQL has no counterpart for yet: those newer than its newest migration. (PostgreSQL
 * starts from one baseline of everything up to its time; each later SQLite migration gets one of the same name.)
 */
export function migrationsToPort(sqlite: string[], postgres: string[]): string[] {
  const newest = postgres.at(-1);
  return newest ? sqlite.filter((n) => stamp(n) > stamp(newest)) : sqlite;
}
