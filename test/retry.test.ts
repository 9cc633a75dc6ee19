// The retry loop itself (src/retry.ts), over an in-memory table and a fake clock: claims, leases, back-off, give-up.
import { describe, expect, it } from "vitest";
import { doublingBackoff, runDue, steppedBackoff, type RetryPolicy, type RetryQueue } from "../src/retry.ts";
import { FakeClock, MINUTE } from "./helpers/clock.ts";

interface Row {
  id: number;
  attempts: number;
  status: "waiting" | "working" | "done" | "failed";
  dueAt: Date;
  leaseUntil: Date | null;
  owner: string | null;
}

/** Lets other claimers run between the steps of one, as two processes over one database would. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A table that answers like the database: each claim is one conditional update, so only one claimer wins it. */
class FakeTable {
  readonly rows = new Map<number, Row>();
  claims = { won: 0, lost: 0 };
  add(id: number, dueAt: Date) {
    this.rows.set(id, { id, attempts: 0, status: "waiting", dueAt, leaseUntil: null, owner: null });
  }
  row(id: number): Row {
    return this.rows.get(id)!;
  }

  /** One claimer: `owner` names it, `work` is what it does with a row it took (by default, nothing that fails). */
  queue(owner: string, work: (row: Row) => Promise<string> = async () => "ok"): RetryQueue<Row, string> & { worked: number[] } {
    const worked: number[] = [];
    return {
      worked,
      releaseExpired: async (now) => {
        await yieldTurn();
        for (const r of this.rows.values()) if (r.status === "working" && r.leaseUntil! < now) Object.assign(r, { status: "waiting", owner: null });
      },
      due: async (now, limit) => {
        await yieldTurn();
        const due = [...this.rows.values()].filter((r) => r.status === "waiting" && r.dueAt <= now);
        return due.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id).slice(0, limit).map((r) => ({ ...r }));
      },
      claim: async (row, leaseUntil) => {
        await yieldTurn();
        const r = this.row(row.id);
        if (r.status !== "waiting") {
          this.claims.lost++;
          return false;
        }
        Object.assign(r, { status: "working", leaseUntil, owner, attempts: r.attempts + 1 });
        this.claims.won++;
        return true;
      },
      work: async (row) => {
        worked.push(row.id);
        await yieldTurn();
        return work(row);
      },
      done: async (row) => {
        Object.assign(this.row(row.id), { status: "done", leaseUntil: null });
      },
      failed: async (row, f) => {
        Object.assign(this.row(row.id), { status: f.giveUp ? "failed" : "waiting", dueAt: f.retryAt, leaseUntil: null, owner: null });
      },
    };
  }
}

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  leaseMs: 5 * MINUTE,
  maxAttempts: 5,
  backoffMs: steppedBackoff([1 * MINUTE, 5 * MINUTE, 30 * MINUTE]),
  batch: 10,
  drain: true,
  ...over,
});

const failing = async (): Promise<string> => {
  throw new Error("channel down");
};

describe("the retry loop", () => {
  it("never gives one row to two claimers running at once", async () => {
    const clock = new FakeClock("2026-05-01T10:00:00Z");
    const table = new FakeTable();
    for (let id = 1; id <= 25; id++) table.add(id, clock.now());
    const a = table.queue("a");
    const b = table.queue("b");
    const [fromA, fromB] = await Promise.all([runDue(a, policy(), clock.now()), runDue(b, policy(), clock.now())]);
    // Both read the same due rows; every row was still worked once, by the one that won its claim.
    expect(table.claims.lost).toBeGreaterThan(0);
    expect([...a.worked, ...b.worked].sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(fromA.length + fromB.length).toBe(25);
    for (const r of table.rows.values()) expect(r).toMatchObject({ status: "done", attempts: 1 });
  });

  it("with a batch claim (PostgreSQL's SKIP LOCKED), claimers running at once take different rows and never contend", async () => {
    const clock = new FakeClock("2026-05-01T10:00:00Z");
    const table = new FakeTable();
    for (let id = 1; id <= 25; id++) table.add(id, clock.now());
    let batches = 0;
    /** One statement: due rows nobody has claimed, taken at once (as UPDATE … FOR UPDATE SKIP LOCKED RETURNING). */
    const batched = (owner: string) => {
      const q = table.queue(owner);
      return Object.assign(q, {
        claimDue: async (now: Date, limit: number, leaseUntil: Date) => {
          await yieldTurn();
          batches++;
          const due = [...table.rows.values()].filter((r) => r.status === "waiting" && r.dueAt <= now).slice(0, limit);
          const before = due.map((r) => ({ ...r }));
          for (const r of due) Object.assign(r, { status: "working", leaseUntil, owner, attempts: r.attempts + 1 });
          return before;
        },
        claim: async () => {
          throw new Error("a queue with a batch claim is never claimed row by row");
        },
      });
    };
    const a = batched("a");
    const b = batched("b");
    const [fromA, fromB] = await Promise.all([runDue(a, policy({ batch: 4 }), clock.now()), runDue(b, policy({ batch: 4 }), clock.now())]);
    expect(table.claims).toEqual({ won: 0, lost: 0 });
    expect([...a.worked, ...b.worked].sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(fromA.length + fromB.length).toBe(25);
    expect(a.worked.length).toBeGreaterThan(0);
    expect(b.worked.length).toBeGreaterThan(0);
    for (const r of table.rows.values()) expect(r).toMatchObject({ status: "done", attempts: 1 });
    // Draining: batches of 4 until one comes back short (7 batches of rows and the empty ones that end each pass).
    expect(batches).toBeGreaterThanOrEqual(7);
  });

  it("with a batch claim, backs off, gives up and honours leases as row by row", async () => {
    const clock = new FakeClock("2026-05-01T10:00:00Z");
    const table = new FakeTable();
    table.add(1, clock.now());
    const q = table.queue("a", failing);
    const batch = Object.assign(q, {
      claimDue: async (now: Date, limit: number, leaseUntil: Date) => {
        const due = [...table.rows.values()].filter((r) => r.status === "waiting" && r.dueAt <= now).slice(0, limit);
        const before = due.map((r) => ({ ...r }));
        for (const r of due) Object.assign(r, { status: "working", leaseUntil, attempts: r.attempts + 1 });
        return before;
      },
    });
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(...(await runDue(batch, policy({ maxAttempts: 3 }), clock.now())));
      expect(table.row(1).dueAt.getTime() - clock.now().getTime()).toBe([1, 5, 30][i] * MINUTE);
      clock.set(table.row(1).dueAt);
    }
    expect(outcomes).toEqual([{ ok: false, giveUp: false }, { ok: false, giveUp: false }, { ok: false, giveUp: true }]);
    expect(table.row(1)).toMatchObject({ status: "failed", attempts: 3 });
  });

  it("waits after each failure as long as the schedule says, the last wait repeating", async () => {
    const clock = new FakeClock("2026-05-01T10:00:00Z");
    const table = new FakeTable();
    table.add(1, clock.now());
    const q = table.queue("a", failing);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await runDue(q, policy(), clock.now());
      waits.push(table.row(1).dueAt.getTime() - clock.now().getTime());
      // Not due a moment before its time; due at it.
      clock.set(new Date(table.row(1).dueAt.getTime() - 1));
      expect(await runDue(q, policy(), clock.now())).toEqual([]);
      clock.advance(1);
    }
    expect(waits).toEqual([1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 30 * MINUTE]);
    expect(table.row(1).attempts).toBe(4);
  });

  it("follows each user's schedule: the outbox doubles from 30 s to an hour, jobs step from 1 min to 6 h", () => {
    const sends = doublingBackoff(30_000, 3600_000);
    expect([1, 2, 3, 4, 7, 8, 20].map(sends)).toEqual([30_000, 60_000, 120_000, 240_000, 1_920_000, 3600_000, 3600_000]);
    const jobs = steppedBackoff([MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 360 * MINUTE]);
    expect([1, 2, 3, 4, 5, 6].map(jobs)).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 360 * MINUTE, 360 * MINUTE]);
  });

  it("gives a row up after its N-th failed attempt and never tries it again", async () => {
    const clock = new FakeClock("2026-05-01T10:00:00Z");
    const table = new FakeTable();
    table.add(1, clock.now());
    const q = table.queue("a", failing);
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(...(await runDue(q, policy({ maxAttempts: 3 }), clock.now())));
      clock.advance(24 * 60 * MINUTE);
    }
    expect(outcomes).toEqual([{ ok: false, giveUp: false }, { ok: false, giveUp: false }, { ok: false, giveUp: true }]);
    expect(table.row(1)).toMatchObject({ status: "failed", attempts: 3 });
    expect(await runDue(q, policy({ maxAttempts: 3 }), clock.now())).toEqual([]);
    expect(q.worked).toEqual([1, 1, 1]);
  });

  it("lets another claimer take a row once the lease of the one that took it (and died) has run out", async () => {
    const clock = new FakeClock("2026-05-01T10:00:00Z");
    const table = new FakeTable();
    table.add(1, clock.now());
    // The first claimer takes the row and never comes back (its work never ends).
    const dead = table.queue("dead", () => new Promise<string>(() => undefined));
    void runDue(dead, policy(), clock.now());
    while (dead.worked.length === 0) await yieldTurn();
    expect(table.row(1)).toMatchObject({ status: "working", owner: "dead", attempts: 1 });

    const alive = table.queue("alive");
    clock.advance(5 * MINUTE); // the lease's last moment: still held
    expect(await runDue(alive, policy(), clock.now())).toEqual([]);
    clock.advance(1);
    expect(await runDue(alive, policy(), clock.now())).toEqual([{ ok: true, result: "ok" }]);
    expect(table.row(1)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("reads batch after batch until nothing is due when it drains, and one batch a pass when it does not", async () => {
    const clock = new FakeClock("2026-05-01T10:00:00Z");
    const table = new FakeTable();
    for (let id = 1; id <= 7; id++) table.add(id, clock.now());
    expect(await runDue(table.queue("a"), policy({ batch: 3, drain: false }), clock.now())).toHaveLength(3);
    expect(await runDue(table.queue("a"), policy({ batch: 3, drain: true }), clock.now())).toHaveLength(4);
  });
});
