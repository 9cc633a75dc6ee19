// Runs due follow-up jobs. Each job is claimed with a conditional update (a lease) before it acts, so several
// service instances over one database never run the same job twice at once; a failure backs off and is recorded.
// Jobs are rows with a due time: after downtime, each missed job runs once at the next tick.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db, Prisma } from "../db.ts";
import type { Logger } from "../log.ts";
import type { JobKind } from "./schedule.ts";

export type JobRow = Prisma.JobGetPayload<object>;

export interface JobResult {
  status: "done" | "skipped";
  outcome: string;
}

export type JobHandler = (job: JobRow, now: Date) => Promise<JobResult>;

const LEASE_MS = 5 * 60_000;
export const MAX_ATTEMPTS = 6;
const BATCH = 50;
/** 1 min, 5 min, 30 min, 2 h, 6 h. */
const BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000];

export class Scheduler {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    private readonly handlers: Record<JobKind, JobHandler>,
    private readonly log: Logger,
  ) {}

  /** Runs every job due at `now`; returns how many ran. */
  async tick(now: Date): Promise<{ done: number; skipped: number; failed: number }> {
    const counts = { done: 0, skipped: 0, failed: 0 };
    // Jobs whose runner died keep their lease until it runs out; then they are due again.
    await this.db.job.updateMany({ where: { status: "running", leaseUntil: { lt: now } }, data: { status: "pending", leaseOwner: null } });
    for (;;) {
      const due = await this.db.job.findMany({ where: { status: "pending", dueAt: { lte: now } }, orderBy: [{ dueAt: "asc" }, { id: "asc" }], take: BATCH });
      if (due.length === 0) break;
      let claimedAny = false;
      for (const job of due) {
        const claimed = await this.db.job.updateMany({
          where: { id: job.id, status: "pending" },
          data: { status: "running", leaseOwner: this.owner, leaseUntil: new Date(now.getTime() + LEASE_MS), attempts: { increment: 1 } },
        });
        if (claimed.count !== 1) continue; // another instance took it
        claimedAny = true;
        const result = await this.run(job, now);
        counts[result]++;
      }
      if (!claimedAny || due.length < BATCH) break;
    }
    return counts;
  }

  private async run(job: JobRow, now: Date): Promise<"done" | "skipped" | "failed"> {
    const handler = this.handlers[job.kind as JobKind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const result = await handler(job, now);
      await this.db.job.update({ where: { id: job.id }, data: { status: result.status, outcome: result.outcome, finishedAt: now, leaseUntil: null, lastError: null } });
      this.log.debug({ jobId: job.id, kind: job.kind, caseId: job.caseId, ...result }, "job finished");
      return result.status;
    } catch (err) {
      const attempts = job.attempts + 1;
      const giveUp = attempts >= MAX_ATTEMPTS;
      await this.db.job.update({
        where: { id: job.id },
        data: {
          status: giveUp ? "failed" : "pending",
          lastError: String((err as Error).message).slice(0, 1000),
          dueAt: giveUp ? job.dueAt : new Date(now.getTime() + BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)]),
          leaseUntil: null,
          leaseOwner: null,
          ...(giveUp ? { finishedAt: now } : {}),
        },
      });
      this.log.warn({ jobId: job.id, kind: job.kind, caseId: job.caseId, attempts, giveUp, err: (err as Error).message }, "job failed");
      return "failed";
    }
  }
}
