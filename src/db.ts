// The Prisma client over SQLite (better-sqlite3 driver adapter, in WAL mode so each write is not an fsync) or over
// PostgreSQL (pg adapter), as DATABASE_URL says. Both clients are generated from one schema (see
// src/migrations/postgresSchema.ts), so they have the same models; the code is typed against SQLite's.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type pg from "pg";
import { PrismaClient, type Prisma } from "./generated/prisma/client.ts";
import { AppError } from "./errors.ts";
import { engineOf, MIGRATIONS_DIRS, type Engine } from "./migrations/engines.ts";
import { migrationNames } from "./migrations/postgresSchema.ts";
import { ReadCache, writesCached } from "./readCache.ts";
import { laterWritesOf, postgresQuery, prismaParsers, tieTransactions, transactionConnection, type Parsers } from "./postgresConnection.ts";
import { statementsSent, watched, watchStatements } from "./statementWatch.ts";
import { LaterWrites } from "./laterWrites.ts";
import { rowsOf, sqliteConnection, sqliteError, sqliteValues, type SqliteConnection, type Statement } from "./sqlite.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client.ts";
export { engineOf, type Engine } from "./migrations/engines.ts";
export { statementsSent } from "./statementWatch.ts";

/** Which engine a client (or a transaction's client) runs on: raw SQL that differs between the two asks this. */
export function dbEngine(db: Db | Prisma.TransactionClient): Engine {
  return (db as unknown as { _activeProvider?: string })._activeProvider === "postgresql" ? "postgres" : "sqlite";
}

/**
 * Takes turns on `key` until the transaction ends. SQLite gives every transaction this (BEGIN IMMEDIATE: one writer
 * at a time); on PostgreSQL two transactions that each look for something and then write it (the same open
 * problem) would not see each other's write, so they take a transaction-scoped advisory lock on the key.
 */
export async function takeTurn(tx: Prisma.TransactionClient, key: string): Promise<void> {
  if (dbEngine(tx) === "postgres") await sqlRun(tx, "SELECT pg_advisory_xact_lock(hashtext(?))", key);
}

/**
 * Transactions start with BEGIN IMMEDIATE instead of the adapter's plain BEGIN. A deferred transaction that reads
 * and then writes fails at once with SQLITE_BUSY when another process wrote in between; an immediate one takes
 * the write lock first and waits its turn (busy timeout), which is what several instances on one file need.
 */
class ImmediateTransactions extends PrismaBetterSQLite3 {
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSQLite3>[0],
    private readonly cache: ReadCache,
  ) {
    super(config);
  }

  /** What sqlRows and sqlRun use to run SQL straight on the connection (once connected). */
  connection: SqliteConnection | null = null;

  override async connect() {
    const { adapter, connection } = sqliteConnection(await super.connect());
    this.connection = connection;
    return watchStatements(adapter, this.cache);
  }
}

export async function openDb(url: string, o: { poolSize?: number; cacheCheckMs?: number } = {}): Promise<Db> {
  const cache = new ReadCache(o.cacheCheckMs);
  if (engineOf(url) === "postgres") {
    // Loaded only when used: the PostgreSQL client and its query compiler are not needed on SQLite.
    const [{ PrismaClient: PgClient, Prisma: PgPrisma }, { PrismaPg }, { default: pgModule }] = await Promise.all([
      import("./generated/prisma-pg/client.ts"),
      import("@prisma/adapter-pg"),
      import("pg"),
    ]);
    // The adapter's pool, for sqlRows and sqlRun outside a transaction (a reconnection brings a new one).
    const postgres: PostgresDirect = { pool: null, parsers: prismaParsers(pgModule.types, PgPrisma.Decimal) };
    const connected = (adapter: object) => (postgres.pool = (adapter as { underlyingDriver(): pg.Pool }).underlyingDriver());
    // Under a burst, transactions wait for a pool connection and for each other (the year's case-number row) longer
    // than Prisma's defaults allow (2 s to start, 5 s to finish), and an appeal would fail rather than wait its turn.
    const base = new PgClient({
      adapter: watched(new PrismaPg({ connectionString: url, max: o.poolSize ?? 10 }), cache, connected),
      transactionOptions: { maxWait: 15_000, timeout: 30_000 },
    }) as unknown as Db;
    await base.$queryRawUnsafe("SELECT 1");
    // Two connections of its own for counters taken outside a transaction (see nextInSequence), and for the read
    // cache's check of DataVersion, so that neither ever waits for the pool that open transactions hold.
    const counters = new pgModule.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 1000, allowExitOnIdle: true });
    cache.checkOn(async (sql) => {
      statementsSent.count++;
      return (await counters.query<{ version: string }>(sql)).rows;
    });
    const db = cache.extend(base);
    tieTransactions(db);
    Object.defineProperty(db, POSTGRES, { value: postgres });
    // An idle connection the server closes (a restart, an administrator) is dropped from the pool and the next
    // counter opens another; without a listener its error would end the process.
    counters.on("error", () => undefined);
    counterPools.set(db, counters);
    const disconnect = base.$disconnect.bind(base);
    db.$disconnect = async () => {
      await counterPools.get(db)?.end();
      counterPools.delete(db);
      await disconnect();
    };
    keepCache(db, cache);
    return db;
  }
  const adapter = new ImmediateTransactions({ url, timeout: 5000 }, cache);
  const base = new PrismaClient({ adapter });
  await base.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await base.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  await base.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  const db = cache.extend(base);
  // Transactions' clients see it too (they inherit the client's properties); a reconnection brings a new connection.
  Object.defineProperty(db, DIRECT, { value: adapter });
  keepCache(db, cache);
  return db;
}

const CACHE = Symbol("read cache");
/** Its transactions' clients see it too (they inherit the client's properties, as DIRECT). */
const keepCache = (db: Db, cache: ReadCache) => Object.defineProperty(db, CACHE, { value: cache });

/** The read cache of a client openDb made, or of one of its transactions (for derived values, the benchmarks, the tests). */
export function readCacheOf(db: Db | Prisma.TransactionClient): ReadCache | undefined {
  return (db as unknown as { [CACHE]?: ReadCache })[CACHE];
}

/** Refuses to run on a database that lacks committed migrations (npm start applies them; a bare tsx run does not). */
export async function assertMigrated(db: Db): Promise<void> {
  const expected = migrationNames(MIGRATIONS_DIRS[dbEngine(db)]);
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
    throw new Error(`The database is missing migrations (${missing.join(", ")}). "npm start" applies them (or "npm run migrate").`);
  }
}

const counterPools = new WeakMap<object, pg.Pool>();

/**
 * The next value of the year's case counter (CaseSequence), committed at once, outside any transaction — on
 * PostgreSQL. Taken inside a case's transaction, the year's row would stay locked until that transaction ends, and
 * every new case in the city would wait for the one before it; a case whose transaction then fails leaves a gap
 * in the numbers. On SQLite (writers take turns anyway) null: the caller takes it inside its transaction.
 */
export async function nextInSequence(db: Db, year: number): Promise<number | null> {
  const pool = counterPools.get(db);
  if (!pool) return null;
  statementsSent.count++;
  const { rows } = await pool.query<{ last: number }>(rawSql(db, NEXT_IN_YEAR), [year]);
  return rows[0].last;
}

/** The year's case counter, one more (the row made at 1 for a new year); returns the number taken. */
export const NEXT_IN_YEAR = `INSERT INTO "CaseSequence" ("year", "last") VALUES (?, 1) ON CONFLICT ("year") DO UPDATE SET "last" = "CaseSequence"."last" + 1 RETURNING "last"`;

const sqliteRewrite = (sql: string) => sql.replace(/\?[tj]\b/g, "?").replace(/\bGREATEST\(/g, "MAX(").replace(/\bLEAST\(/g, "MIN(");

/**
 * Raw SQL written once for both engines: `?` for a value, `?t` for a time (an ISO string from `sqlTime`), `?j` for
 * JSON (a string from JSON.stringify), and
 * GREATEST / LEAST of two values (SQLite's MAX / MIN). PostgreSQL gets numbered parameters and times cast to the
 * columns' type; SQLite compares the ISO text Prisma writes.
 */
export function rawSql(db: Db | Prisma.TransactionClient, sql: string): string {
  return dbEngine(db) === "sqlite" ? sqliteRewrite(sql) : postgresRewrite(sql);
}

function postgresRewrite(sql: string): string {
  let n = 0;
  return sql.replace(/\?([tj]\b)?/g, (_, type?: string) => `$${++n}${type === "t" ? "::timestamp(3)" : type === "j" ? "::jsonb" : ""}`);
}

export { sqlTime } from "./sqlite.ts";

const DIRECT = Symbol("sqlite connection");
const POSTGRES = Symbol("postgres pool");
type PostgresDirect = { pool: pg.Pool | null; parsers: Parsers };
type Tx = Prisma.TransactionClient;

/**
 * Runs raw SQL (written as rawSql takes it) and returns its rows, each column typed as Prisma's raw queries type
 * it: declared DATETIME a Date, BOOLEAN a boolean, JSONB parsed, INTEGER and REAL a number; an expression's
 * integer a bigint. It runs straight on the connection — inside `db`'s transaction when `db` is one (SQLite's one
 * connection, or the PostgreSQL connection the transaction holds): Prisma plans every raw query it is given (about
 * 0.2 ms of CPU each), and these are the statements every message runs. A write the read cache must hear of goes
 * through Prisma (db.ts's adapters tell it; this path does not).
 */
export async function sqlRows<T>(db: Db | Tx, sql: string, ...values: unknown[]): Promise<T[]> {
  const sqlite = sqliteDirect(db, sql);
  if (sqlite) return sqlite.run((statement) => rowsOf<T>(statement, sqliteValues(values)));
  const postgres = postgresDirect(db, sql);
  if (postgres) return (await postgres.run<T>(values)).rows;
  return db.$queryRawUnsafe<T[]>(rawSql(db, sql), ...values);
}

/** Runs raw SQL that returns no rows (as sqlRows does): how many rows it changed. */
export async function sqlRun(db: Db | Tx, sql: string, ...values: unknown[]): Promise<number> {
  const sqlite = sqliteDirect(db, sql);
  if (sqlite) return sqlite.run((statement) => statement.run(sqliteValues(values)).changes);
  const postgres = postgresDirect(db, sql);
  if (postgres) return (await postgres.run(values)).rowCount;
  return db.$executeRawUnsafe(rawSql(db, sql), ...values);
}

/**
 * SQLite's connection for `db` (a client or a transaction's) and this statement, or null: PostgreSQL, or a write
 * to a cached table. Inside a transaction it runs at once (SQLite has one open at a time, and it is this one);
 * outside, a write takes its turn (TransactionGate).
 */
function sqliteDirect(db: Db | Tx, sql: string): { run<T>(work: (statement: Statement) => T): Promise<T> } | null {
  const { sqlite, inTransaction } = straightOf(db);
  const direct = sqlite?.connection;
  if (!direct) return null;
  const text = directText("sqlite", sql);
  if (text === null) return null;
  return {
    async run(work) {
      if (inTransaction && !direct.gate.open) throw new Error("Transaction already closed: a statement came on a transaction's client after it ended");
      const once = () => {
        statementsSent.count++;
        statementsSent.straight++;
        try {
          return work(direct.statement(text));
        } catch (err) {
          throw sqliteError(err);
        }
      };
      return inTransaction ? once() : direct.gate.outside(sql, once);
    },
  };
}

/**
 * PostgreSQL's connection for `db` and this statement: the pool, or the connection `db`'s transaction holds; null
 * on SQLite, for a write to a cached table, or a transaction postgresConnection.ts did not see open. In a
 * transaction, the writes waiting for its next statement (sqlRunLater) go with this one.
 */
function postgresDirect(db: Db | Tx, sql: string): { run<T>(values: unknown[]): Promise<{ rows: T[]; rowCount: number }> } | null {
  const { postgres: direct, inTransaction } = straightOf(db);
  if (!direct?.pool) return null;
  const text = directText("postgres", sql);
  if (text === null) return null;
  const on = transactionConnection(db, inTransaction, direct.pool);
  if (!on) return null;
  return {
    async run(values) {
      const later = inTransaction ? laterWritesOf(db, (connection) => laterWrites(connection, direct.parsers)) : null;
      const statement = later?.waiting ? await later.with({ sql, values }) : { sql, values };
      statementsSent.count++;
      statementsSent.straight++;
      return postgresQuery(on, statement.sql === sql ? text : directText("postgres", statement.sql)!, statement.values, direct.parsers);
    },
  };
}

/** A transaction's waiting writes (laterWrites.ts), sent on its connection. */
const laterWrites = (on: pg.PoolClient, parsers: Parsers) =>
  new LaterWrites((sql, values) => {
    statementsSent.count++;
    statementsSent.straight++;
    return postgresQuery(on, directText("postgres", sql)!, values, parsers);
  });

/**
 * sqlRun for a write nobody reads back in the transaction and that cannot fail but for a bug or a lost connection
 * (a job, an outbox message, a message's outcome): on PostgreSQL in a transaction it goes with the transaction's
 * next statement (laterWrites.ts), a round trip saved; anywhere else it is written at once.
 */
export async function sqlRunLater(db: Db | Tx, sql: string, ...values: unknown[]): Promise<void> {
  const { postgres: direct, inTransaction } = straightOf(db);
  const table = LaterWrites.tableOf(sql);
  const later = direct && inTransaction && table && directText("postgres", sql) !== null ? laterWritesOf(db, (on) => laterWrites(on, direct.parsers)) : null;
  if (later) return later.add({ sql, values }, table!);
  await sqlRun(db, sql, ...values);
}

/**
 * A statement as the engine runs it (rawSql), or null for a write to a cached table: worked out once per text,
 * since the rewrites and the look for a cached table cost more than running many of them.
 */
function directText(engine: Engine, sql: string): string | null {
  const texts = directTexts[engine];
  let text = texts.get(sql);
  if (text === undefined) {
    text = writesCached(sql) ? null : engine === "sqlite" ? sqliteRewrite(sql) : postgresRewrite(sql);
    // Bounded: the oldest goes (a few hundred texts in all; multi-row inserts have one per row count).
    if (texts.size >= 2000) texts.delete(texts.keys().next().value!);
    texts.set(sql, text);
  }
  return text;
}
const directTexts: Record<Engine, Map<string, string | null>> = { sqlite: new Map(), postgres: new Map() };

/**
 * What sqlRows and sqlRun run on for a client (or a transaction's client), and whether it is a transaction's (it has
 * no $transaction): asked once per client, since each look through Prisma's client proxies costs.
 */
function straightOf(db: Db | Tx): Straight {
  let found = straightClients.get(db);
  if (!found) {
    const c = db as unknown as { [DIRECT]?: { connection: SqliteConnection | null }; [POSTGRES]?: PostgresDirect; $transaction?: unknown };
    found = { sqlite: c[DIRECT], postgres: c[POSTGRES], inTransaction: typeof c.$transaction !== "function" };
    straightClients.set(db, found);
  }
  return found;
}
type Straight = { sqlite?: { connection: SqliteConnection | null }; postgres?: PostgresDirect; inTransaction: boolean };
const straightClients = new WeakMap<object, Straight>();

/** A unique constraint refused a write: Prisma's P2002, or a raw statement's P2010 with the driver's own kind. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  return e.code === "P2002" || (e.code === "P2010" && e.meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation");
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
