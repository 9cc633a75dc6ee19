// The Prisma client over SQLite (better-sqlite3 driver adapter), in WAL mode so each write is not an fsync.
import { readdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client.ts";
import { AppError } from "./errors.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client.ts";

/**
 * Transactions start with BEGIN IMMEDIATE instead of the adapter's plain BEGIN. A deferred transaction that reads
 * and then writes fails at once with SQLITE_BUSY when another process wrote in between; an immediate one takes
 * the write lock first and waits its turn (busy timeout), which is what several instances on one file need.
 */
class ImmediateTransactions extends PrismaBetterSQLite3 {
  override async connect() {
    const adapter = await super.connect();
    const client = (adapter as unknown as { client: { prepare(sql: string): unknown } }).client;
    const prepare = client.prepare.bind(client);
    client.prepare = (sql: string) => prepare(sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql);
    return adapter;
  }
}

export async function openDb(url: string): Promise<Db> {
  const db = new PrismaClient({ adapter: new ImmediateTransactions({ url, timeout: 5000 }) });
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../prisma/migrations");

/** Refuses to run on a database that lacks committed migrations (npm start applies them; a bare tsx run does not). */
export async function assertMigrated(db: Db): Promise<void> {
  const expected = readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  let applied: string[] = [];
  try {
    const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    applied = rows.map((r) => r.migration_name);
  } catch {
    // No _prisma_migrations table: a new, empty database.
  }
  const missing = expected.filter((m) => !applied.includes(m));
  if (missing.length) {
    throw new Error(`The database is missing migrations (${missing.join(", ")}). Run "npx prisma migrate deploy" first; "npm start" does it for you.`);
  }
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "P2002";
}

/** Runs a write; a unique violation (the name or code is taken) becomes a 409 conflict saying `message` to people. */
export async function refuseDuplicate<T>(write: () => Promise<T>, message: string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", 409, message);
    throw err;
  }
}
