// One follow-up pass on a filled database, on a fake clock, as the cron runs it (runFollowUp over the services
// services.ts builds), timed; then the same pass again with nothing left due (what a tick costs whatever the size);
// the due-jobs query alone through Prisma, and on the raw driver with its plan (the ceiling and which index it uses).
import Database from "better-sqlite3";
import pg from "pg";
import { loadConfig } from "../../config.ts";
import * as dbModule from "../../db.ts";
import { createLogger } from "../../log.ts";
import { createServices, runFollowUp } from "../../services.ts";
import { serviceEnv } from "../benchIntake/processes.ts";

/** The claim's read (skipLocked.ts, and retry.ts's `due` on SQLite): the oldest due pending jobs, a batch. */
export const DUE_SQL = `SELECT "id" FROM "Job" WHERE "status" = 'pending' AND "dueAt" <= ?t ORDER BY "dueAt", "id" LIMIT 50`;
const DUE_COUNT_SQL = `SELECT COUNT(*) AS "n" FROM "Job" WHERE "status" = 'pending' AND "dueAt" <= ?t`;

export interface TickFigures {
  /** scheduler.tick inside the pass: every due job claimed, run and recorded. */
  tickMs: number;
  /** The whole pass (the tick, then the outbox's flush). */
  passMs: number;
  jobsRun: number;
  done: number;
  skipped: number;
  failed: number;
  /** Jobs the pass finished, by kind and outcome: those it ran, and those a job that ran stood down (a closed case's). */
  outcomes: Record<string, number>;
  /** SQL statements the pass sent (null when this build of db.ts does not count them). */
  statements: number | null;
  /** The same pass again at the same time, nothing due: the part of a tick that is there whatever is due. */
  idlePassMs: number;
  /** Its tick alone (the outbox then sends what the first pass queued beyond its batch of 100). */
  idleTickMs: number;
  idleStatements: number | null;
  /** The due-jobs query (a batch of 50) through Prisma, and on the raw driver: medians of five, before the pass. */
  dueQueryMs: number;
  rawDueQueryMs: number;
  /** How the database runs the due query (EXPLAIN QUERY PLAN / EXPLAIN). */
  dueQueryPlan: string;
  /** Pending jobs due at `now` before the pass and after it. */
  dueBefore: number;
  dueAfter: number;
  /** PostgreSQL: sequential scans per table during the pass (none is the aim); null on SQLite. */
  seqScans: Record<string, number> | null;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function timed(run: () => Promise<unknown>, times = 5, round = round1): Promise<number> {
  await run();
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  return round(median(ms));
}

/** The raw driver on the database: the due query's time, plan and count, and PostgreSQL's scan counters. */
interface RawProbe {
  dueQueryMs(now: Date): Promise<number>;
  plan(now: Date): Promise<string>;
  dueCount(now: Date): Promise<number>;
  seqScans(): Promise<Record<string, number> | null>;
  close(): Promise<void>;
}

async function rawProbe(url: string): Promise<RawProbe> {
  if (url.startsWith("file:")) {
    const db = new Database(url.slice("file:".length), { readonly: true });
    const sql = (s: string) => s.replace(/\?t\b/g, "?");
    const due = db.prepare(sql(DUE_SQL));
    const count = db.prepare(sql(DUE_COUNT_SQL));
    const explain = db.prepare(`EXPLAIN QUERY PLAN ${sql(DUE_SQL)}`);
    return {
      dueQueryMs: (now) => timed(async () => due.all(dbModule.sqlTime(now)), 5, round3),
      plan: async (now) => (explain.all(dbModule.sqlTime(now)) as { detail: string }[]).map((r) => r.detail).join("; "),
      dueCount: async (now) => Number((count.get(dbModule.sqlTime(now)) as { n: number }).n),
      seqScans: async () => null,
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sql = (s: string) => s.replace(/\?t\b/g, "$1::timestamp(3)");
  const iso = (d: Date) => d.toISOString().replace("Z", "");
  return {
    dueQueryMs: (now) => timed(() => client.query(sql(DUE_SQL), [iso(now)]), 5, round3),
    plan: async (now) => (await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql(DUE_SQL)} FOR UPDATE SKIP LOCKED`, [iso(now)])).rows.map((r) => r["QUERY PLAN"].trim()).join("; "),
    dueCount: async (now) => Number((await client.query<{ n: string }>(sql(DUE_COUNT_SQL), [iso(now)])).rows[0].n),
    seqScans: async () => {
      // Counters reach the statistics within a second of a statement's end.
      await new Promise((r) => setTimeout(r, 1200));
      const { rows } = await client.query<{ relname: string; seq_scan: string }>(`SELECT relname, seq_scan FROM pg_stat_user_tables`);
      return Object.fromEntries(rows.map((r) => [r.relname, Number(r.seq_scan)]));
    },
    close: () => client.end(),
  };
}

/** The pass the cron runs, with the scheduler's tick timed inside it. */
export async function measureTick(o: { url: string; dataDir: string; now: Date }): Promise<TickFigures> {
  const probe = await rawProbe(o.url);
  const config = loadConfig({ ...serviceEnv(o.url, o.dataDir), LOG_LEVEL: "error" });
  const services = await createServices(config, createLogger("error", false), { clock: () => o.now });
  const counter = (dbModule as unknown as { statementsSent?: { count: number } }).statementsSent;
  try {
    const { db } = services;
    const dueBefore = await probe.dueCount(o.now);
    const dueQueryPlan = await probe.plan(o.now);
    const rawDueQueryMs = await probe.dueQueryMs(o.now);
    const dueQueryMs = await timed(() => db.job.findMany({ where: { status: "pending", dueAt: { lte: o.now } }, orderBy: [{ dueAt: "asc" }, { id: "asc" }], take: 50 }));

    let tickMs = 0;
    let counts = { done: 0, skipped: 0, failed: 0 };
    const scheduler = {
      tick: async (now: Date) => {
        const t = performance.now();
        counts = await services.scheduler.tick(now);
        tickMs = performance.now() - t;
        return counts;
      },
    } as unknown as typeof services.scheduler;
    const pass = async () => {
      const statements = counter?.count ?? null;
      const t = performance.now();
      await runFollowUp({ ...services, scheduler });
      return { ms: performance.now() - t, statements: statements === null ? null : counter!.count - statements };
    };

    const scansBefore = await probe.seqScans();
    const first = await pass();
    const firstCounts = counts;
    const firstTickMs = tickMs;
    const scansAfter = await probe.seqScans();
    const finished = await db.job.groupBy({ by: ["kind", "status", "outcome"], where: { finishedAt: o.now }, _count: true });
    const dueAfter = await probe.dueCount(o.now);
    const idle = await pass();
    const idleTickMs = tickMs;
    return {
      tickMs: round1(firstTickMs),
      passMs: round1(first.ms),
      jobsRun: firstCounts.done + firstCounts.skipped + firstCounts.failed,
      ...firstCounts,
      outcomes: Object.fromEntries(finished.map((f) => [`${f.kind} ${f.status}: ${f.outcome}`, f._count])),
      statements: first.statements,
      idlePassMs: round1(idle.ms),
      idleTickMs: round1(idleTickMs),
      idleStatements: idle.statements,
      dueQueryMs,
      rawDueQueryMs,
      dueQueryPlan,
      dueBefore,
      dueAfter,
      seqScans: scansBefore && scansAfter ? Object.fromEntries(Object.entries(scansAfter).map(([t, n]) => [t, n - (scansBefore[t] ?? 0)]).filter(([, n]) => Number(n) > 0)) : null,
    };
  } finally {
    await services.db.$disconnect();
    await probe.close();
  }
}
