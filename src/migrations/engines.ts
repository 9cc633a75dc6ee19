// The two database engines: SQLite (a file, the embedded default) and PostgreSQL (a server, for a city-wide rollout
// with several instances). DATABASE_URL chooses: file:… or postgresql://… (postgres://…).
import path from "node:path";

export type Engine = "sqlite" | "postgres";

export function engineOf(url: string): Engine {
  return /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";
}

const PRISMA_DIR = path.resolve(import.meta.dirname, "../../prisma");

/** Where each engine's schema and committed migrations are. PostgreSQL's schema is generated from SQLite's. */
export const SCHEMA_FILES: Record<Engine, string> = {
  sqlite: path.join(PRISMA_DIR, "schema.prisma"),
  postgres: path.join(PRISMA_DIR, "postgres", "schema.prisma"),
};
export const MIGRATIONS_DIRS: Record<Engine, string> = {
  sqlite: path.join(PRISMA_DIR, "migrations"),
  postgres: path.join(PRISMA_DIR, "postgres", "migrations"),
};
