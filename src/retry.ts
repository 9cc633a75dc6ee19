// Claim, lease, back off, give up: the one retry loop under the follow-up scheduler's jobs and the outbox's sends.
// Each user brings its own rows (table access, with a conditional update for the claim, or on PostgreSQL a batch
// claim with FOR UPDATE SKIP LOCKED, see skipLocked.ts), its policy (lease, attempts, back-off) and what "done",
// "failed" and "given up" mean for it; the loop is written here once.

/** What the loop needs of a row: which one it is, and how many attempts were claimed before this one. */
export interface Attempted {
  id: number;
  attempts: number;
}

export interface RetryPolicy {
  /** How long a claim holds a row; a claimer that died leaves the row to others once it has run out. */
  leaseMs: number;
  /** A row's last attempt: the one that fails this many times is given up. */
  maxAttempts: number;
  /** The wait after the n-th failed attempt (n from 1). */
  backoffMs: (attempts: number) => number;
  /** Due rows read at a time. */
  batch: number;
  /** Read batches until nothing due is left (true), or one batch a pass, the next pass taking the rest (false). */
  drain: boolean;
}

/** A failed attempt, as the loop hands it to its user to record. */
export interface Failure {
  /** Attempts claimed so far, this one included. */
  attempts: number;
  /** The last attempt has failed: the row is not tried again. */
  giveUp: boolean;
  /** When the next attempt is due (after the back-off), had it not been given up. */
  retryAt: Date;
  error: unknown;
  message: string;
  now: Date;
}

/** One user of the loop: its table access, its work, and what becomes of a row after an attempt. */
export type RetryQueue<Row extends Attempted, Result> = (BatchClaims<Row> | RowClaims<Row>) & {
  /** Rows whose claim's lease ran out before `now` (their claimer died) are claimable again. */
  releaseExpired(now: Date): Promise<unknown>;
  /** The attempt itself; a throw is a failed attempt. `row` is as it was read, before the claim. */
  work(row: Row, now: Date): Promise<Result>;
  /** Records an attempt that ended without a throw: the row is finished, whatever `result` says (a throw here fails it). */
  done(row: Row, result: Result, now: Date): Promise<void>;
  /** Records a failed attempt: claimable again at `failure.retryAt`, or given up. */
  failed(row: Row, failure: Failure): Promise<void>;
};

/** Claims by the batch. */
interface BatchClaims<Row> {
  /**
   * Claims at most `limit` rows due at `now` in one statement (PostgreSQL: FOR UPDATE SKIP LOCKED, so claimers
   * running at once take different rows instead of contending for the same ones), leased until `leaseUntil`,
   * counting the attempt; returns them in the order they should be tried, each as it was before the claim. Rows
   * the queue holds back are neither claimed nor returned.
   */
  claimDue(now: Date, limit: number, leaseUntil: Date): Promise<Row[]>;
}

/** Claims row by row: the loop reads `due` and `claim`s each. */
interface RowClaims<Row> {
  claimDue?: undefined;
  /** Claimable rows due at `now`, in the order they should be tried, at most `limit`. */
  due(now: Date, limit: number): Promise<Row[]>;
  /** Before the claim: true leaves the row unclaimed this time, its attempts uncounted. */
  hold?(row: Row, now: Date): Promise<boolean>;
  /**
   * Takes the row with a conditional update — only while it is still claimable — leased until `leaseUntil`,
   * counting the attempt; false when another claimer took it first.
   */
  claim(row: Row, leaseUntil: Date, now: Date): Promise<boolean>;
}

export type Outcome<Result> = { ok: true; result: Result } | { ok: false; giveUp: boolean };

/** Back-off that doubles from `firstMs` after each failure, never longer than `capMs`. */
export const doublingBackoff = (firstMs: number, capMs: number) => (attempts: number) =>
  Math.min(capMs, firstMs * 2 ** Math.max(0, attempts - 1));

/** Back-off from a list of waits; failures past its end wait as long as its last. */
export const steppedBackoff = (waitsMs: readonly number[]) => (attempts: number) =>
  waitsMs[Math.min(Math.max(attempts, 1), waitsMs.length) - 1];

/** What a failed attempt leads to under `policy`. */
export function failureOf(policy: RetryPolicy, attempts: number, error: unknown, now: Date): Failure {
  return {
    attempts,
    giveUp: attempts >= policy.maxAttempts,
    retryAt: new Date(now.getTime() + policy.backoffMs(attempts)),
    error,
    message: error instanceof Error ? error.message : String(error),
    now,
  };
}

/**
 * Tries every row due at `now` that this caller manages to claim, one at a time, and records each attempt;
 * returns the outcome of each attempt it made (rows another claimer took, or held back, have none).
 */
export async function runDue<Row extends Attempted, Result>(queue: RetryQueue<Row, Result>, policy: RetryPolicy, now: Date): Promise<Outcome<Result>[]> {
  const outcomes: Outcome<Result>[] = [];
  await queue.releaseExpired(now);
  const leaseUntil = new Date(now.getTime() + policy.leaseMs);
  if (queue.claimDue) {
    for (;;) {
      const claimed = await queue.claimDue(now, policy.batch, leaseUntil);
      for (const row of claimed) outcomes.push(await attempt(queue, policy, row, now));
      if (!policy.drain || claimed.length < policy.batch) return outcomes;
    }
  }
  for (;;) {
    const due = await queue.due(now, policy.batch);
    let claimedAny = false;
    for (const row of due) {
      if (queue.hold && (await queue.hold(row, now))) continue;
      if (!(await queue.claim(row, leaseUntil, now))) continue; // another claimer took it
      claimedAny = true;
      outcomes.push(await attempt(queue, policy, row, now));
    }
    // A batch whose rows all went to others (or were held) ends the pass, rather than reading it again.
    if (!policy.drain || !claimedAny || due.length < policy.batch) return outcomes;
  }
}

async function attempt<Row extends Attempted, Result>(queue: RetryQueue<Row, Result>, policy: RetryPolicy, row: Row, now: Date): Promise<Outcome<Result>> {
  try {
    const result = await queue.work(row, now);
    // Recording is part of the attempt: a row whose outcome could not be written is tried again.
    await queue.done(row, result, now);
    return { ok: true, result };
  } catch (err) {
    const failure = failureOf(policy, row.attempts + 1, err, now);
    await queue.failed(row, failure);
    return { ok: false, giveUp: failure.giveUp };
  }
}
