// Failed sign-ins, counted in the database before a password is checked: guesses sent in parallel count one by
// one (each takes its attempt in one UPDATE, and the check uses the count that UPDATE wrote), and every instance
// on the database shares the count.
//
// The rule: each key has some free failures; the failure that uses up the last free one, and every one after it,
// closes the key for a wait that grows, 1, 2, 4, 8, then at most 15 minutes. A closed key refuses an attempt
// without checking the password and without counting it, so a stranger cannot make the wait longer than 15
// minutes by trying harder, and a wait is never a hard lock. A day without failures clears a key.
//
// Keys (the caller picks them, see signIn.ts): the name typed (5 free), the client's address (20 free: an office
// shares one address), and a name from an address that name has signed in from before (5 free) — tried from
// there, the name's own key is left out, so a stranger guessing elsewhere does not keep the person out.
import { createHash } from "node:crypto";
import { sqlRows, sqlRun, sqlTime, type Db } from "../db.ts";

export interface ThrottleKey {
  key: string;
  /** Failures allowed before the waits begin. */
  free: number;
}

export const NAME_FREE = 5;
export const ADDRESS_FREE = 20;
/** The wait after each failure from the last free one on, in minutes. */
export const WAITS_MIN = [1, 2, 4, 8, 15];
const KEEP_MS = 24 * 3600_000;
/** The table's cap. Rows with the fewest failures, oldest first, go first: flooding it with new names evicts
 * those, not a name that has been guessed at. */
export const MAX_ROWS = 5000;

// A hash, never the name: people type their password into the name field.
const nameHash = (name: string) => createHash("sha256").update(name, "utf8").digest("hex").slice(0, 40);
export const nameKey = (name: string): ThrottleKey => ({ key: `name:${nameHash(name)}`, free: NAME_FREE });
export const addressKey = (address: string): ThrottleKey => ({ key: `addr:${address}`, free: ADDRESS_FREE });
export const knownAddressKey = (name: string, address: string): ThrottleKey => ({ key: `name:${nameHash(name)}@${address}`, free: NAME_FREE });

const iso = sqlTime;
const later = (now: Date, ms: number) => iso(new Date(now.getTime() + ms));

export type Reservation = { ok: true; keys: ThrottleKey[] } | { ok: false; retryAt: Date };

/** When the first of `keys` opens again, or null when none is closed. */
export async function closedUntil(db: Db, keys: ThrottleKey[], now: Date): Promise<Date | null> {
  if (!keys.length) return null;
  const rows = await sqlRows<{ until: string | Date | null }>(db, `SELECT MAX("blockedUntil") AS "until" FROM "SignInThrottle" WHERE "key" IN (${keys.map(() => "?").join(", ")}) AND "blockedUntil" > ?t AND "expiresAt" > ?t`,
    ...keys.map((k) => k.key),
    iso(now),
    iso(now),
  );
  return rows[0]?.until ? new Date(rows[0].until) : null;
}

/**
 * Takes one attempt on every key, counted as a failure until `succeeded` says otherwise; refused (with when to
 * come back) when a key is closed.
 */
export async function reserveAttempt(db: Db, keys: ThrottleKey[], now: Date): Promise<Reservation> {
  // A read first: once a key is closed, the guesses that follow cost a read, not a write.
  const closed = await closedUntil(db, keys, now);
  if (closed) return { ok: false, retryAt: closed };
  const taken: ThrottleKey[] = [];
  for (const k of keys) {
    if (await takeOne(db, k, now)) {
      taken.push(k);
      continue;
    }
    // Another request took the last attempt between the read and here.
    for (const t of taken) await giveBack(db, t);
    return { ok: false, retryAt: (await closedUntil(db, keys, now)) ?? new Date(now.getTime() + WAITS_MIN[0] * 60_000) };
  }
  return { ok: true, keys: taken };
}

/** The attempt was the right password: the name's failures are forgotten, the address's attempt given back. */
export async function succeeded(db: Db, forget: ThrottleKey[], giveBackKeys: ThrottleKey[]): Promise<void> {
  if (forget.length) await db.signInThrottle.deleteMany({ where: { key: { in: forget.map((k) => k.key) } } });
  for (const k of giveBackKeys) await giveBack(db, k);
}

/** Forgets every failure of a name, from everywhere (its password was reset). */
export async function forgetName(db: Db, name: string): Promise<void> {
  const { key } = nameKey(name);
  await db.signInThrottle.deleteMany({ where: { OR: [{ key }, { key: { startsWith: `${key}@` } }] } });
}

/** One attempt on one key, in one statement: false when the key is closed. */
async function takeOne(db: Db, k: ThrottleKey, now: Date): Promise<boolean> {
  const at = iso(now);
  const created = await sqlRun(db, `INSERT INTO "SignInThrottle" ("key", "failures", "updatedAt", "expiresAt") VALUES (?, 0, ?t, ?t) ON CONFLICT ("key") DO NOTHING`,
    k.key,
    at,
    later(now, KEEP_MS),
  );
  // Every SET expression reads the row as it was: `count` is the failures this attempt makes.
  const count = `(CASE WHEN "expiresAt" <= ?t THEN 1 ELSE "failures" + 1 END)`;
  const waits = WAITS_MIN.map((_, i) => `WHEN ${i} THEN ?t`).join(" ");
  const rows = await sqlRows<{ failures: number }>(db, `UPDATE "SignInThrottle" SET
       "blockedUntil" = CASE WHEN ${count} < ? THEN NULL ELSE CASE LEAST(${count} - ?, ${WAITS_MIN.length - 1}) ${waits} END END,
       "failures" = ${count},
       "updatedAt" = ?t,
       "expiresAt" = ?t
     WHERE "key" = ? AND ("blockedUntil" IS NULL OR "blockedUntil" <= ?t OR "expiresAt" <= ?t)
     RETURNING "failures"`,
    at, k.free, at, k.free, ...WAITS_MIN.map((m) => later(now, m * 60_000)),
    at,
    at,
    later(now, KEEP_MS),
    k.key,
    at,
    at,
  );
  if (created) await prune(db, now);
  return rows.length === 1;
}

/** Undoes one attempt taken on a key (it was not a failure after all). */
async function giveBack(db: Db, k: ThrottleKey): Promise<void> {
  await sqlRun(db, `UPDATE "SignInThrottle" SET "blockedUntil" = CASE WHEN "failures" - 1 < ? THEN NULL ELSE "blockedUntil" END, "failures" = GREATEST("failures" - 1, 0) WHERE "key" = ?`,
    k.free,
    k.key,
  );
}

/** Keeps the table small: expired rows go, and past the cap the least-guessed, oldest rows. */
export async function prune(db: Db, now: Date): Promise<void> {
  await sqlRun(db, `DELETE FROM "SignInThrottle" WHERE "expiresAt" <= ?t OR "key" IN (SELECT "key" FROM "SignInThrottle" ORDER BY "failures", "updatedAt" LIMIT GREATEST((SELECT COUNT(*) FROM "SignInThrottle") - ?, 0))`,
    iso(now),
    MAX_ROWS,
  );
}
