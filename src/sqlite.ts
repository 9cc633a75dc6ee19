// SQLite's one connection, as Prisma's better-sqlite3 adapter opens it: one prepared statement per SQL text,
// transactions and the writes outside them taking turns (TransactionGate), and what db.ts's sqlRows and sqlRun need
// to run SQL straight on it (rows typed as Prisma's raw queries type them, errors as Prisma reports them).

/** A time as raw SQL takes it (`?t`): ISO 8601 as Prisma's SQLite adapter writes it ("+00:00"), so text order is time order. */
export const sqlTime = (d: Date): string => d.toISOString().replace("Z", "+00:00");

export type Query = { sql: string; args: unknown[]; argTypes: unknown[] };
export interface Queryable {
  queryRaw(query: Query): Promise<unknown>;
  executeRaw(query: Query): Promise<unknown>;
}
export interface Transaction extends Queryable {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * The adapter's connection made ready: every SQL text prepared once (BEGIN as BEGIN IMMEDIATE), and its writes and
 * transactions taking turns. Returns the adapter and the connection for straight runs.
 */
export function sqliteConnection<T extends object>(adapter: T): { adapter: T; connection: SqliteConnection } {
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
  return { adapter: gate.guard(adapter), connection: { statement, gate } };
}

/** A statement's rows (values as sqliteValues makes them), each column typed as Prisma's raw queries type it; none for a write. */
export function rowsOf<T>(statement: Statement, values: unknown[]): T[] {
  if (!statement.reader) {
    statement.run(values);
    return [];
  }
  const rows = statement.raw(true).all(values) as unknown[][];
  const { names, readers } = shapeOf(statement, rows[0]?.length);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const v = row[i];
      out[names[i]] = v === null || v === undefined ? null : readers[i](v);
    }
    return out as T;
  });
}

/**
 * On SQLite every statement runs on the one connection, so a write sent outside a transaction while another
 * caller's transaction is open (between two of its statements) would become part of it, and be undone with it when
 * it rolls back: a message stored, answered as stored, and gone. Such a write waits here until the open
 * transaction has ended; a read goes on (it sees what the open transaction has written so far, as before).
 */
export class TransactionGate {
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

type Column = { name: string; type: string | null };

/** The part of a better-sqlite3 statement the adapter and sqlRows use. */
export interface Statement {
  reader: boolean;
  columns(): Column[];
  raw(on: boolean): Statement;
  all(args: unknown[]): unknown[];
  run(args?: unknown[]): { changes: number };
}

/** SQLite's connection as db.ts's sqlRows and sqlRun use it: its prepared statements, and its transactions' turns. */
export interface SqliteConnection {
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
    columns: () => shapeOf(statement).columns,
    raw: () => ({
      all: () => {
        const rows = statement.raw(true).all(values) as unknown[][];
        shapeOf(statement, rows[0]?.length);
        return rows;
      },
    }),
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

type Shape = { columns: Column[]; names: string[]; readers: ((v: unknown) => unknown)[] };
const SHAPES = new WeakMap<Statement, Shape>();

/**
 * A prepared statement's columns and how each is read (sqliteValue's choice), asked of SQLite once: better-sqlite3
 * builds the columns anew at every call, which for the forty columns of a case cost ten times the query itself.
 * Asked again when a row is wider or narrower than them (a `SELECT *` prepared before a migration added a column).
 */
function shapeOf(statement: Statement, width?: number): Shape {
  const known = SHAPES.get(statement);
  if (known && (width === undefined || width === known.columns.length)) return known;
  // In place: the adapter holds the array it was given before it read the rows.
  const columns = known?.columns ?? [];
  columns.splice(0, columns.length, ...statement.columns());
  const shape = { columns, names: columns.map((c) => c.name), readers: columns.map((c) => sqliteValue(c.type)) };
  SHAPES.set(statement, shape);
  return shape;
}

export function sqliteValues(values: unknown[]): unknown[] {
  return values.map((v) => (v === undefined ? null : typeof v === "boolean" ? (v ? 1 : 0) : v instanceof Date ? sqlTime(v) : v));
}

/** How a value of a column is read from SQLite as Prisma's raw queries give it, by the column's declared type. */
function sqliteValue(declared: string | null): (v: unknown) => unknown {
  switch (declared?.toUpperCase()) {
    case "INTEGER":
    case "INT":
    case "REAL":
      return Number;
    case "BOOLEAN":
      return (v) => Number(v) !== 0;
    case "DATETIME":
      return (v) => (typeof v === "string" ? new Date(isoTime(v)) : new Date(Number(v)));
    case "JSONB":
      return (v) => JSON.parse(String(v));
    default:
      return (v) => v; // TEXT a string; an expression's integer a bigint, its real a number
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
export function sqliteError(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    return Object.assign(err as Error, { code: "P2010", meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation", originalCode: code } } } });
  }
  return err;
}
