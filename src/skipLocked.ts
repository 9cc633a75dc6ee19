// Claims on PostgreSQL for several instances over one database: one statement takes a batch of due rows, skipping
// rows another instance's claim has locked (FOR UPDATE SKIP LOCKED), so instances polling at once take different
// rows instead of all reading one batch and contending for it row by row. SQLite has one writer at a time, and
// keeps the read-then-conditional-update of retry.ts. Used by the outbox and the follow-up scheduler.
import { rawSql, type Db } from "./db.ts";

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
  const limit = Math.max(0, Math.trunc(c.limit));
  const sql =
    `UPDATE "${c.table}" SET ${c.set} WHERE "id" IN (` +
    `SELECT "id" FROM "${c.table}" WHERE ${c.where} ORDER BY ${c.orderBy} LIMIT ${limit} FOR UPDATE SKIP LOCKED` +
    `) RETURNING "id"`;
  const rows = await db.$queryRawUnsafe<{ id: number }[]>(rawSql(db, sql), ...c.params);
  return rows.map((r) => Number(r.id));
}
