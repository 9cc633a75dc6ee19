// Scheduling durable jobs. A job's key says what it is for; scheduling the same purpose twice is harmless.
import { isUniqueViolation, sqlRunLater, sqlTime, type Db, type Prisma } from "../db.ts";

type Tx = Prisma.TransactionClient | Db;

/**
 * Which dispatch a deadline job (or a unit's notice) belongs to: rework and every (re)dispatch — after a return,
 * or to another unit — start a new round, and jobs of an earlier round stand down.
 */
export function dispatchRound(kase: { reworkCount: number; dispatchedAt: Date | null }): string {
  return `${kase.reworkCount}.${kase.dispatchedAt?.getTime() ?? 0}`;
}

export const JOB_KINDS = ["chase", "escalate", "still_handling", "survey", "survey_reminder", "survey_expire", "retention", "media_fetch", "hotspots", "volunteer_unclaimed", "booking_reminder", "booking_rating"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export async function scheduleJob(
  tx: Tx,
  job: { kind: JobKind; key: string; dueAt: Date; caseId?: number | null; payload?: Prisma.InputJsonValue; now: Date },
) {
  const dedupeKey = `${job.kind}:${job.key}`;
  const existing = await tx.job.findUnique({ where: { dedupeKey } });
  if (existing) return existing;
  return tx.job.create({
    data: { kind: job.kind, dedupeKey, dueAt: job.dueAt, caseId: job.caseId ?? null, payload: job.payload ?? {}, createdAt: job.now },
  });
}

type JobInput = Parameters<typeof scheduleJob>[1];

/**
 * Several jobs in one statement, each unless a job for its purpose exists (the dedupe key): what a dispatch
 * schedules (催办 points, 督办, news for the resident) costs one statement instead of a look and a write each, and
 * it goes with the transaction's next statement (db.ts sqlRunLater).
 */
export async function scheduleJobs(tx: Tx, jobs: JobInput[]): Promise<void> {
  if (!jobs.length) return;
  const row = `(?, ?, ?t, ?j, ?, 'pending', 0, ?t)`;
  const sql = `INSERT INTO "Job" ("kind", "caseId", "dueAt", "payload", "dedupeKey", "status", "attempts", "createdAt") VALUES ${jobs.map(() => row).join(", ")} ON CONFLICT ("dedupeKey") DO NOTHING`;
  const values = jobs.flatMap((j) => [j.kind, j.caseId ?? null, sqlTime(j.dueAt), JSON.stringify(j.payload ?? {}), `${j.kind}:${j.key}`, sqlTime(j.now)]);
  await sqlRunLater(tx, sql, ...values);
}

/**
 * scheduleJob outside a transaction, where instances starting together may each create the same job (the nightly
 * ones): the one that loses the race finds it made.
 */
export async function scheduleOnce(db: Db, job: JobInput) {
  try {
    return await scheduleJob(db, job);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return db.job.findUniqueOrThrow({ where: { dedupeKey: `${job.kind}:${job.key}` } });
  }
}

/** Marks a case's pending jobs of these kinds as no longer needed. */
export async function cancelJobs(tx: Tx, caseId: number, kinds: JobKind[], reason: string, now: Date) {
  await tx.job.updateMany({
    where: { caseId, kind: { in: kinds }, status: "pending" },
    data: { status: "skipped", outcome: reason, finishedAt: now },
  });
}
