// PostgreSQL's connections under Prisma's pg adapter, as db.ts's sqlRows and sqlRun use them: a transaction's own
// connection, found from the client Prisma hands the transaction's callback, or the adapter's pool outside one; rows
// typed as Prisma's raw queries type them, and errors as Prisma reports them. Prisma plans every raw query it is
// given (its query compiler, about 0.2 ms of CPU each), and these are the statements every message runs.
import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import type { Transaction } from "./sqlite.ts";
import type { LaterWrites } from "./laterWrites.ts";

/** A transaction as its statements find it: the connection it holds while it is open. */
interface Opened {
  connection: pg.PoolClient | null;
  open: boolean;
  /** Writes waiting for its next statement (laterWrites.ts), once one has waited. */
  later: LaterWrites | null;
}

/** The transaction being opened in this async context (db.$transaction's call): the adapter fills it in. */
const opening = new AsyncLocalStorage<Opened>();
/** Each transaction's client (the one its callback is given) → its transaction. */
const opened = new WeakMap<object, Opened>();

/**
 * Ties every interactive transaction of `db` to the connection the adapter opens it on: the callback's client
 * finds it (transactionConnection) until the transaction ends. A batch ($transaction([...])) is left to Prisma.
 */
export function tieTransactions(db: object): void {
  const client = db as { $transaction: (arg: unknown, options?: unknown) => Promise<unknown> };
  const transaction = client.$transaction.bind(client);
  client.$transaction = (arg, options) => {
    if (typeof arg !== "function") return transaction(arg, options);
    const tx: Opened = { connection: null, open: false, later: null };
    return opening.run(tx, () =>
      transaction((txClient: object) => {
        opened.set(txClient, tx);
        return (arg as (c: object) => unknown)(txClient);
      }, options),
    );
  };
}

/** What the adapter's transaction tells the statements' side of it (db.ts watchTransaction). */
export interface OpenedHandle {
  /** Before each statement Prisma sends in it, COMMIT and ROLLBACK included: the waiting writes go first, or go. */
  beforeStatement(sql: string): Promise<void>;
  /** It has ended: the connection, back in the pool, is not used for it again. */
  ended(): void;
}

const untied: OpenedHandle = { beforeStatement: async () => undefined, ended: () => undefined };

/**
 * The adapter has opened a transaction (its BEGIN sent): the first one opened in a db.$transaction call is that
 * call's (a query Prisma runs as a transaction of its own inside the callback would be a second).
 */
export function transactionOpened(tx: Transaction): OpenedHandle {
  const o = opening.getStore();
  const client = (tx as unknown as { client?: pg.PoolClient }).client;
  if (!o || o.connection || !client) return untied;
  o.connection = client;
  o.open = true;
  return {
    async beforeStatement(sql) {
      if (!o.later?.waiting) return;
      if (sql === "ROLLBACK") o.later.drop();
      else await o.later.flush();
    },
    ended() {
      o.open = false;
    },
  };
}

/**
 * The writes waiting in the transaction `db` is the client of, made with `make` on first use; null outside a
 * transaction this module saw open (they are written at once then).
 */
export function laterWritesOf(db: object, make: (on: pg.PoolClient) => LaterWrites): LaterWrites | null {
  const tx = opened.get(db);
  if (!tx?.connection || !tx.open) return null;
  return (tx.later ??= make(tx.connection));
}

/**
 * Where a statement on `db` runs: the connection of the transaction `db` is the client of, or `pool` for the client
 * itself; null for a transaction this module did not see open (left to Prisma). A transaction's client used after
 * the transaction ended is refused, as Prisma refuses it.
 */
export function transactionConnection(db: object, inTransaction: boolean, pool: pg.Pool): pg.Pool | pg.PoolClient | null {
  if (!inTransaction) return pool;
  const tx = opened.get(db);
  if (!tx?.connection) return null;
  if (!tx.open) throw new Error("Transaction already closed: a statement came on a transaction's client after it ended");
  return tx.connection;
}

/**
 * Runs one statement (numbered parameters) and returns its rows typed as Prisma's raw queries type them. Named, so
 * each connection parses and plans it once and then only binds it. A table changed under a prepared statement (a
 * newer instance's migration) fails it (isStalePrepared): every name is dropped then,
 * so that each connection prepares its statements again, and the statement is run again unless it was in a
 * transaction (the failure has aborted that one).
 */
export async function postgresQuery<T>(on: pg.Pool | pg.PoolClient, text: string, values: unknown[], parsers: Parsers): Promise<{ rows: T[]; rowCount: number }> {
  const run = async () => {
    const result = await on.query({ name: statementName(text), text, values: values.map(postgresValue), types: parsers });
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  };
  try {
    return await run();
  } catch (err) {
    const stale = isStalePrepared(err);
    if (stale) names = { generation: names.generation + 1, byText: new Map() };
    // On a transaction's connection (a PoolClient) the failure has aborted the transaction: it is not run again.
    if (!stale || "release" in on) throw postgresError(err);
    return run().catch((again) => Promise.reject(postgresError(again)));
  }
}

/**
 * The name a statement is prepared under on every connection (none past the first 1,000 texts). A `*` result list
 * runs unnamed: a column added to its table would change what it returns.
 */
function statementName(text: string): string | undefined {
  let name = names.byText.get(text);
  if (name === undefined && names.byText.size < 1000) {
    names.byText.set(text, (name = STAR_RESULT.test(text) ? null : `minhu_${names.generation}_${names.byText.size}`));
  }
  return name ?? undefined;
}
/** Each text's name, or null for one that runs unnamed (worked out once per text). */
let names = { generation: 0, byText: new Map<string, string | null>() };
const STAR_RESULT = /\b(SELECT|RETURNING)\s+(DISTINCT\s+)?("?\w+"?\.)?\*/i;

/**
 * PostgreSQL's refusal of a prepared statement whose table changed — its result type (0A000), or a column's type
 * where its parameters' types were fixed when it was prepared (42804, which a wrong statement gives too: run again,
 * it fails again) — or that the connection no longer has (26000).
 */
function isStalePrepared(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  return (code === "0A000" && /cached plan must not change result type/.test(message ?? "")) || code === "42804" || code === "26000";
}

export interface Parsers {
  getTypeParser(oid: number, format?: string): (value: string) => unknown;
}

/**
 * pg's parsers with Prisma's readings where they differ: a timestamp without zone is UTC (pg reads it as local
 * time), a date is UTC midnight, a time a Date on 1970-01-01, int8 a bigint, numeric a Decimal.
 */
export function prismaParsers(types: typeof pg.types, decimal: new (v: string) => unknown): Parsers {
  const own: Record<number, (v: string) => unknown> = {
    [types.builtins.TIMESTAMP]: (v) => new Date(`${v.replace(" ", "T")}Z`),
    [types.builtins.DATE]: (v) => new Date(`${v}T00:00:00Z`),
    [types.builtins.TIME]: (v) => new Date(`1970-01-01T${v}Z`),
    [types.builtins.INT8]: (v) => BigInt(v),
    [types.builtins.NUMERIC]: (v) => new decimal(v),
  };
  return {
    getTypeParser: (oid, format) => (format !== "binary" && own[oid]) || (types.getTypeParser(oid, (format ?? "text") as "text") as (v: string) => unknown),
  };
}

/** A value as Prisma's adapter sends it: a Date as UTC ("2026-12-01 08:30:00.123"; pg would write local time). */
function postgresValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString().replace("T", " ").replace("Z", "");
  return v;
}

/** A pg error as Prisma would report it where callers look (db.ts's isUniqueViolation). */
function postgresError(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  if (code === "23505") {
    return Object.assign(err as Error, { code: "P2010", meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation", originalCode: code } } } });
  }
  return err;
}
