// 催办: reminds the lead unit before the response and resolution limits, at the configured points.
import type { JobHandler } from "../scheduler.ts";
import { done, loadCase, PHASE_LABELS, skipped, type JobContext } from "../context.ts";
import { dispatchRound } from "../schedule.ts";
import { WORKING_STATUSES, type CaseStatus } from "../../domain/case.ts";
import { notifyUnit } from "../notify.ts";
import { formatChinaDateTime } from "../../domain/time.ts";
import { recordEvent } from "../../cases/records.ts";
import { caseVars } from "../../cases/presenters.ts";

export function chaseJob(ctx: JobContext): JobHandler {
  return async function chase(job, now) {
    const { phase, round } = job.payload as { phase: "response" | "resolve"; round: string };
    const kase = await loadCase(ctx, job);
    if (dispatchRound(kase) !== round) return skipped("superseded by rework or a new dispatch");
    if (!WORKING_STATUSES.includes(kase.status as CaseStatus)) return skipped(`case is ${kase.status}`);
    if (phase === "response" && kase.respondedAt) return skipped("unit has responded");
    const due = phase === "response" ? kase.responseDueAt! : kase.resolveDueAt!;
    if (now >= due) return skipped("limit passed: escalation speaks instead");
    // After downtime several points may be due at once: only the latest one speaks. It may be claimed already (a
    // batch claim takes both at once; another instance may be running it), and it still speaks.
    const later = await ctx.db.job.count({
      where: { kind: "chase", caseId: kase.id, status: { in: ["pending", "running"] }, dueAt: { gt: job.dueAt, lte: now }, dedupeKey: { startsWith: `chase:${kase.id}:${round}:${phase}:` } },
    });
    if (later > 0) return skipped("a later reminder is due too");
    if (!kase.leadUnitId) return skipped("no lead unit");

    await ctx.db.$transaction(async (tx) => {
      const text = ctx.replies.render("unit_chase", { ...caseVars(kase), phase: PHASE_LABELS[phase], due: formatChinaDateTime(due) });
      await notifyUnit(tx, kase.leadUnitId!, { caseId: kase.id, text, kind: "chase", now, dedupeKey: `job:${job.id}` });
      await recordEvent(tx, kase.id, { type: "chased", actor: "scheduler", note: `${PHASE_LABELS[phase]}催办`, data: { phase, jobId: job.id }, now });
    });
    return done(`chased ${phase}`);
  };
}
