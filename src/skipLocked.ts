// Claims on PostgreSQL for several instances over one database: one statement takes a batch of due rows, skipping
// rows another instance's claim has locked (FOR UPDATE SKIP LOCKED), so instances polling at once take different
// rows instead of all reading one batch and contending for it row by row. The follow-up scheduler uses it on
// PostgreSQL (SQLite, one writer at a time, keeps retry.ts's read-then-conditional-update there); the outbox on
// both engines, its batch claimed and read in one statement after every appeal.
import { dbEngine, sqlRows, type Db } from "./db.ts";

export interface BatchClaim {
  /** The table, as the schema names it ("Outbox", "Job"). */
  table: string;
  /** What a claim writes, with `?` / `?t` for values (see rawSql). */
  set: string;
  /** Which rows are claimable now, with `?` / `?t` for values. */
  where: string;
  /** The order rows are taken in. */
  orderBy: string;
  limit: number;
  /** The values of `set`, then those of `where`. */
  params: unknown[];
}

/** Claims at most `limit` claimable rows in one UPDATE … RETURNING; the ids it took (in no particular order). */
export async function claimSkipLocked(db: Db, c: BatchClaim): Promise<number[]> {
  const rows = await claim<{ id: number }>(db, c, `"id"`);
  return rows.map((r) => Number(r.id));
}

/**
 * The same claim returning the rows as the claim left them, in id order — on either engine: SQLite's one writer
 * makes the UPDATE alone enough there (no FOR UPDATE), and a batch is claimed in one statement.
 */
export async function claimRows<T extends { id: number }>(db: Db, c: BatchClaim): Promise<T[]> {
  const rows = await claim<T>(db, c, "*");
  return rows.sort((a, b) => a.id - b.id);
}

function claim<T>(db: Db, c: BatchClaim, returning: string): Promise<T[]> {
  const limit = Math.max(0, Math.trunc(c.limit));
  const lock = dbEngine(db) === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  const sql =
    `UPDATE "${c.table}" SET ${c.set} WHERE "id" IN (` +
    `SELECT "id" FROM "${c.table}" WHERE ${c.where} ORDER BY ${c.orderBy} LIMIT ${limit}${lock}` +
    `) RETURNING ${returning}`;
  return sqlRows<T>(db, sql, ...c.params);
}
