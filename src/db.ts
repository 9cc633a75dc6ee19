// The Prisma client over SQLite (better-sqlite3 driver adapter, in WAL mode so each write is not an fsync) or over
// PostgreSQL (pg adapter), as DATABASE_URL says. Both clients are generated from one schema (see
// src/migrations/postgresSchema.ts), so they have the same models; the code is typed against SQLite's.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type pg from "pg";
import { PrismaClient, type Prisma } from "./generated/prisma/client.ts";
import { AppError } from "./errors.ts";
import { engineOf, MIGRATIONS_DIRS, type Engine } from "./migrations/engines.ts";
import { migrationNames } from "./migrations/postgresSchema.ts";
import { BUMP_SQL, ReadCache, writesCached } from "./readCache.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/prisma/client.ts";
export { engineOf, type Engine } from "./migrations/engines.ts";

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
  if (dbEngine(tx) === "postgres") await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(hashtext($1))", key);
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
  direct: Direct | null = null;

  override async connect() {
    const adapter = await super.connect();
    const client = (adapter as unknown as { client: { prepare(sql: string): Statement } }).client;
    const prepare = client.prepare.bind(client);
    const prepared = new Map<string, Statement>();
    const statement = (text: string) => {
      let found = prepared.get(text);
      if (!found) {
        found = prepare(text);
        // Bounded: the oldest goes (Prisma writes one text per query shape, a few hundred in all).
        if (prepared.size >= PREPARED_MAX) prepared.delete(prepared.keys().next().value!);
        prepared.set(text, found);
      }
      return found;
    };
    client.prepare = (sql: string) => reusable(statement(sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql)) as unknown as Statement;
    const gate = new TransactionGate();
    this.direct = { statement, gate };
    return watchStatements(gate.guard(adapter), this.cache);
  }
}

/**
 * On SQLite every statement runs on the one connection, so a write sent outside a transaction while another
 * caller's transaction is open (between two of its statements) would become part of it, and be undone with it when
 * it rolls back: a message stored, answered as stored, and gone. Such a write waits here until the open
 * transaction has ended; a read goes on (it sees what the open transaction has written so far, as before).
 */
class TransactionGate {
  private last: Promise<void> = Promise.resolve();
  /** A transaction holds the connection now. */
  open = false;

  /** Waits for the transaction open now (and every turn queued before this one) to end; returns this turn's end. */
  turn(): Promise<() => void> {
    let release!: () => void;
    const before = this.last;
    this.last = new Promise<void>((resolve) => (release = resolve));
    return before.then(() => release);
  }

  /** Runs a write outside any transaction in its turn; a read at once. */
  async outside<T>(sql: string, run: () => T | Promise<T>): Promise<T> {
    if (isRead(sql)) return run();
    const release = await this.turn();
    try {
      return await run();
    } finally {
      release();
    }
  }

  /** The adapter with its writes and transactions taking turns. */
  guard<T extends object>(adapter: T): T {
    const a = adapter as unknown as Queryable & { startTransaction(...args: unknown[]): Promise<Transaction> };
    const { queryRaw, executeRaw, startTransaction } = a;
    a.queryRaw = (query) => this.outside(query.sql, () => queryRaw.call(a, query));
    a.executeRaw = (query) => this.outside(query.sql, () => executeRaw.call(a, query));
    a.startTransaction = async (...args) => {
      const release = await this.turn();
      try {
        const tx = await startTransaction.apply(a, args);
        this.open = true;
        const { commit, rollback } = tx;
        const end = () => {
          this.open = false;
          release();
        };
        tx.commit = () => (end(), commit.call(tx));
        tx.rollback = () => (end(), rollback.call(tx));
        return tx;
      } catch (err) {
        release();
        throw err;
      }
    };
    return adapter;
  }
}

const isRead = (sql: string) => /^\s*SELECT\b/i.test(sql);

const PREPARED_MAX = 2000;

/** The part of a better-sqlite3 statement the adapter and sqlRows use. */
interface Statement {
  reader: boolean;
  columns(): { name: string; type: string | null }[];
  raw(on: boolean): Statement;
  all(args: unknown[]): unknown[];
  run(args?: unknown[]): { changes: number };
}

/** SQLite's connection as sqlRows and sqlRun use it: its prepared statements, and its transactions' turns. */
interface Direct {
  statement(text: string): Statement;
  gate: TransactionGate;
}

/**
 * A prepared statement the adapter can use as if it were new. The adapter prepares every query again and binds
 * its values for good (`bind`), which better-sqlite3 allows once per statement; this keeps one prepared statement
 * per text and passes the values at each run instead. Preparing was 7% of the service's CPU under load.
 */
function reusable(statement: Statement) {
  let values: unknown[] = [];
  const run = {
    get reader() {
      return statement.reader;
    },
    columns: () => statement.columns(),
    raw: () => ({ all: () => statement.raw(true).all(values) }),
    run: () => statement.run(values),
  };
  return {
    ...run,
    get reader() {
      return statement.reader;
    },
    bind(args: unknown[]) {
      values = args;
      return run;
    },
  };
}

/** SQL statements this process has sent to the database (BEGIN and COMMIT included), for the benchmarks. */
export const statementsSent = { count: 0 };

type Query = { sql: string; args: unknown[]; argTypes: unknown[] };
interface Queryable {
  queryRaw(query: Query): Promise<unknown>;
  executeRaw(query: Query): Promise<unknown>;
}
interface Transaction extends Queryable {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}
const bump: Query = { sql: BUMP_SQL, args: [], argTypes: [] };

/**
 * Watches what an adapter sends: counts each statement (a transaction's BEGIN as one) and tells the read cache of
 * every write to a cached table — a statement on its own at once, followed by the DataVersion bump; a
 * transaction's when it first writes one, and again when it ends, with the bump just before its COMMIT.
 */
function watchStatements<T extends object>(adapter: T, cache: ReadCache): T {
  const a = adapter as unknown as Queryable & { startTransaction(...args: unknown[]): Promise<Transaction> };
  const { queryRaw, executeRaw, startTransaction } = a;
  const alone = (run: Queryable["queryRaw"]) => async (query: Query) => {
    statementsSent.count++;
    const result = await run.call(a, query);
    if (writesCached(query.sql)) {
      cache.written();
      statementsSent.count++;
      await executeRaw.call(a, bump);
    }
    return result;
  };
  a.queryRaw = alone(queryRaw);
  a.executeRaw = alone(executeRaw);
  a.startTransaction = async (...args) => {
    statementsSent.count++;
    return watchTransaction(await startTransaction.apply(a, args), cache);
  };
  return adapter;
}

function watchTransaction(tx: Transaction, cache: ReadCache): Transaction {
  const { queryRaw, executeRaw, commit, rollback } = tx;
  let writes = false;
  const ended = () => {
    if (!writes) return;
    writes = false;
    cache.transactionEnded();
  };
  const inside = (run: Queryable["queryRaw"]) => async (query: Query) => {
    if (query.sql === "COMMIT" && writes) {
      statementsSent.count++;
      await executeRaw.call(tx, bump);
    } else if (!writes && writesCached(query.sql)) {
      writes = true;
      cache.transactionWrites();
    }
    statementsSent.count++;
    try {
      return await run.call(tx, query);
    } finally {
      if (query.sql === "COMMIT" || query.sql === "ROLLBACK") ended();
    }
  };
  tx.queryRaw = inside(queryRaw);
  tx.executeRaw = inside(executeRaw);
  tx.commit = async () => {
    ended();
    return commit.call(tx);
  };
  tx.rollback = async () => {
    ended();
    return rollback.call(tx);
  };
  return tx;
}

/** A driver adapter factory whose adapters are watched. */
function watched<F extends { connect(): Promise<object> }>(factory: F, cache: ReadCache): F {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => watchStatements(await connect(), cache);
  return factory;
}

export async function openDb(url: string, o: { poolSize?: number; cacheCheckMs?: number } = {}): Promise<Db> {
  const cache = new ReadCache(o.cacheCheckMs);
  if (engineOf(url) === "postgres") {
    // Loaded only when used: the PostgreSQL client and its query compiler are not needed on SQLite.
    const [{ PrismaClient: PgClient }, { PrismaPg }] = await Promise.all([import("./generated/prisma-pg/client.ts"), import("@prisma/adapter-pg")]);
    // Under a burst, transactions wait for a pool connection and for each other (the year's case-number row) longer
    // than Prisma's defaults allow (2 s to start, 5 s to finish), and an appeal would fail rather than wait its turn.
    const base = new PgClient({
      adapter: watched(new PrismaPg({ connectionString: url, max: o.poolSize ?? 10 }), cache),
      transactionOptions: { maxWait: 15_000, timeout: 30_000 },
    }) as unknown as Db;
    await base.$queryRawUnsafe("SELECT 1");
    const db = cache.extend(base);
    const { default: pgModule } = await import("pg");
    // Two connections of its own for counters taken outside a transaction (see nextInSequence), so taking one
    // never waits for the pool that open transactions hold.
    const counters = new pgModule.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 1000, allowExitOnIdle: true });
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
    readCaches.set(db, cache);
    return db;
  }
  const adapter = new ImmediateTransactions({ url, timeout: 5000 }, cache);
  const base = new PrismaClient({ adapter });
  await base.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await base.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  await base.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  const db = cache.extend(base);
  // Transactions' clients see it too (they inherit the client's properties); a reconnection brings a new one.
  Object.defineProperty(db, DIRECT, { get: () => adapter.direct });
  readCaches.set(db, cache);
  return db;
}

const readCaches = new WeakMap<object, ReadCache>();

/** The read cache of a client openDb made (its figures, for the benchmarks and the tests). */
export function readCacheOf(db: Db): ReadCache | undefined {
  return readCaches.get(db);
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

/**
 * Raw SQL written once for both engines: `?` for a value, `?t` for a time (an ISO string from `sqlTime`), `?j` for
 * JSON (a string from JSON.stringify), and
 * GREATEST / LEAST of two values (SQLite's MAX / MIN). PostgreSQL gets numbered parameters and times cast to the
 * columns' type; SQLite compares the ISO text Prisma writes.
 */
export function rawSql(db: Db | Prisma.TransactionClient, sql: string): string {
  if (dbEngine(db) === "sqlite") return sql.replace(/\?[tj]\b/g, "?").replace(/\bGREATEST\(/g, "MAX(").replace(/\bLEAST\(/g, "MIN(");
  let n = 0;
  return sql.replace(/\?([tj]\b)?/g, (_, type?: string) => `$${++n}${type === "t" ? "::timestamp(3)" : type === "j" ? "::jsonb" : ""}`);
}

/** A time as raw SQL takes it (`?t`): ISO 8601 as Prisma's SQLite adapter writes it ("+00:00"), so text order is time order. */
export const sqlTime = (d: Date): string => d.toISOString().replace("Z", "+00:00");

const DIRECT = Symbol("sqlite connection");
type Tx = Prisma.TransactionClient;

/**
 * Runs raw SQL (written as rawSql takes it) and returns its rows, each column typed as Prisma's raw queries type
 * it: declared DATETIME a Date, BOOLEAN a boolean, JSONB parsed, INTEGER and REAL a number; an expression's
 * integer a bigint. On SQLite it runs straight on the connection, inside `db`'s transaction when `db` is one:
 * Prisma plans every raw query it is given too (about 0.2 ms of CPU each), and these are the statements every
 * message runs. On PostgreSQL it is Prisma's $queryRawUnsafe.
 */
export async function sqlRows<T>(db: Db | Tx, sql: string, ...values: unknown[]): Promise<T[]> {
  const direct = directOf(db, sql);
  if (!direct) return db.$queryRawUnsafe<T[]>(rawSql(db, sql), ...values);
  return direct.run((statement) => {
    if (!statement.reader) {
      statement.run(sqliteValues(values));
      return [];
    }
    const columns = statement.columns();
    return (statement.raw(true).all(sqliteValues(values)) as unknown[][]).map((row) => {
      const out: Record<string, unknown> = {};
      columns.forEach((c, i) => (out[c.name] = sqliteValue(c.type, row[i])));
      return out as T;
    });
  });
}

/** Runs raw SQL that returns no rows (as sqlRows does): how many rows it changed. */
export async function sqlRun(db: Db | Tx, sql: string, ...values: unknown[]): Promise<number> {
  const direct = directOf(db, sql);
  if (!direct) return db.$executeRawUnsafe(rawSql(db, sql), ...values);
  return direct.run((statement) => statement.run(sqliteValues(values)).changes);
}

/**
 * SQLite's connection for `db` (a client or a transaction's) and this statement, or null: PostgreSQL, or a write
 * the read cache must hear of (db.ts's adapters tell it; this path does not). Inside a transaction it runs at once
 * (SQLite has one open at a time, and it is this one); outside, a write takes its turn (TransactionGate).
 */
function directOf(db: Db | Tx, sql: string): { run<T>(work: (statement: Statement) => T): Promise<T> } | null {
  const direct = (db as unknown as { [DIRECT]?: Direct })[DIRECT];
  if (!direct || writesCached(sql)) return null;
  const inTransaction = typeof (db as { $transaction?: unknown }).$transaction !== "function";
  const text = rawSql(db, sql);
  return {
    async run(work) {
      if (inTransaction && !direct.gate.open) throw new Error("Transaction already closed: a statement came on a transaction's client after it ended");
      const once = () => {
        statementsSent.count++;
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

function sqliteValues(values: unknown[]): unknown[] {
  return values.map((v) => (v === undefined ? null : typeof v === "boolean" ? (v ? 1 : 0) : v instanceof Date ? sqlTime(v) : v));
}

/** A value read from SQLite as Prisma's raw queries give it, by the column's declared type. */
function sqliteValue(declared: string | null, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (declared?.toUpperCase()) {
    case "INTEGER":
    case "INT":
    case "REAL":
      return Number(v);
    case "BOOLEAN":
      return Number(v) !== 0;
    case "DATETIME":
      return typeof v === "string" ? new Date(isoTime(v)) : new Date(Number(v));
    case "JSONB":
      return JSON.parse(String(v));
    default:
      return v; // TEXT a string; an expression's integer a bigint, its real a number
  }
}

/**
 * A time as SQLite may hold it ("2026-12-01 08:30:00", "2026-12-01T08:30:00.123+00:00", a date alone) as ISO 8601
 * that Date reads, without a zone taken as UTC: as Prisma reads it.
 */
function isoTime(text: string): string {
  const m = /\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/.exec(text);
  if (!m) return `${text}T00:00:00Z`;
  const [time, zone, minutes] = m;
  const zoned = zone === undefined ? `${text}Z` : zone !== "Z" && minutes === undefined ? `${text}:00` : text;
  if (time.length === text.length) return `1970-01-01T${zoned}`;
  const at = m.index - 1;
  return zoned[at] === " " ? `${zoned.slice(0, at)}T${zoned.slice(at + 1)}` : zoned;
}

/** A better-sqlite3 error as Prisma would report it where callers look (isUniqueViolation). */
function sqliteError(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    return Object.assign(err as Error, { code: "P2010", meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation", originalCode: code } } } });
  }
  return err;
}

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
