// Runs due follow-up jobs through the retry loop (../retry.ts): each job is claimed with a conditional update (a
// lease; on PostgreSQL a batch at a time with FOR UPDATE SKIP LOCKED) before it acts, so several service instances
// over one database never run the same job twice at once; a failure backs off and is recorded. Jobs are rows
// with a due time: after downtime, each missed job runs once.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { dbEngine, sqlTime, type Db, type Prisma } from "../db.ts";
import type { Logger } from "../log.ts";
import type { JobKind } from "./schedule.ts";
import { runDue, steppedBackoff, type RetryPolicy, type RetryQueue } from "../retry.ts";
import { claimSkipLocked } from "../skipLocked.ts";

export type JobRow = Prisma.JobGetPayload<object>;

export interface JobResult {
  status: "done" | "skipped";
  outcome: string;
}

export type JobHandler = (job: JobRow, now: Date) => Promise<JobResult>;

/** A job's claim holds for 5 minutes; after the 6th failure the job is given up; 1 min, 5 min, 30 min, 2 h, 6 h between. */
export const MAX_ATTEMPTS = 6;
const JOB_RETRY: RetryPolicy = {
  leaseMs: 5 * 60_000,
  maxAttempts: MAX_ATTEMPTS,
  backoffMs: steppedBackoff([60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000]),
  batch: 50,
  drain: true,
};

export class Scheduler {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    private readonly handlers: Record<JobKind, JobHandler>,
    private readonly log: Logger,
  ) {}

  /** Runs every job due at `now` (each missed one once); returns how many ran, by outcome. */
  async tick(now: Date): Promise<{ done: number; skipped: number; failed: number }> {
    const counts = { done: 0, skipped: 0, failed: 0 };
    for (const o of await runDue(this.jobs(), JOB_RETRY, now)) counts[o.ok ? o.result.status : "failed"]++;
    return counts;
  }

  private async claimBatch(now: Date, limit: number, leaseUntil: Date): Promise<JobRow[]> {
    const ids = await claimSkipLocked(this.db, {
      table: "Job",
      set: `"status" = 'running', "leaseOwner" = ?, "leaseUntil" = ?t, "attempts" = "attempts" + 1`,
      where: `"status" = 'pending' AND "dueAt" <= ?t`,
      orderBy: `"dueAt", "id"`,
      limit,
      params: [this.owner, sqlTime(leaseUntil), sqlTime(now)],
    });
    if (!ids.length) return [];
    const rows = await this.db.job.findMany({ where: { id: { in: ids } }, orderBy: [{ dueAt: "asc" }, { id: "asc" }] });
    return rows.map((j) => ({ ...j, status: "pending", attempts: j.attempts - 1 }));
  }

  /** The Job table as the retry loop sees it: pending → running (leased to this instance) → done | skipped | failed. */
  private jobs(): RetryQueue<JobRow, JobResult> {
    return {
      // Jobs whose runner died keep their lease until it runs out; then they are due again.
      releaseExpired: (now) => this.db.job.updateMany({ where: { status: "running", leaseUntil: { lt: now } }, data: { status: "pending", leaseOwner: null } }),
      // PostgreSQL: a batch claimed in one statement, skipping jobs another instance is claiming (skipLocked.ts).
      ...(dbEngine(this.db) === "postgres" ? { claimDue: (now: Date, limit: number, leaseUntil: Date) => this.claimBatch(now, limit, leaseUntil) } : {}),
      due: (now, limit) => this.db.job.findMany({ where: { status: "pending", dueAt: { lte: now } }, orderBy: [{ dueAt: "asc" }, { id: "asc" }], take: limit }),
      claim: async (job, leaseUntil) => {
        const claimed = await this.db.job.updateMany({
          where: { id: job.id, status: "pending" },
          data: { status: "running", leaseOwner: this.owner, leaseUntil, attempts: { increment: 1 } },
        });
        return claimed.count === 1;
      },
      work: async (job, now) => {
        const handler = this.handlers[job.kind as JobKind];
        if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
        return handler(job, now);
      },
      done: async (job, result, now) => {
        await this.db.job.update({ where: { id: job.id }, data: { status: result.status, outcome: result.outcome, finishedAt: now, leaseUntil: null, lastError: null } });
        this.log.debug({ jobId: job.id, kind: job.kind, caseId: job.caseId, ...result }, "job finished");
      },
      // Given up, a job keeps its due time and is finished as failed.
      failed: async (job, { attempts, giveUp, retryAt, message, now }) => {
        await this.db.job.update({
          where: { id: job.id },
          data: {
            status: giveUp ? "failed" : "pending",
            lastError: message.slice(0, 1000),
            dueAt: giveUp ? job.dueAt : retryAt,
            leaseUntil: null,
            leaseOwner: null,
            ...(giveUp ? { finishedAt: now } : {}),
          },
        });
        this.log.warn({ jobId: job.id, kind: job.kind, caseId: job.caseId, attempts, giveUp, err: message }, "job failed");
      },
    };
  }
}
