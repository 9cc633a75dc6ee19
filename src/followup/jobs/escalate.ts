// 督办: when a limit passes, the case is marked overdue and raised to the next level up the organisation
// (网格 → 社区 → 街道); if it stays overdue, once more to the level above.
import type { JobHandler } from "../scheduler.ts";
import { done, loadCase, PHASE_LABELS, skipped, type JobContext } from "../context.ts";
import { notifyArea, notifyUnit } from "../notify.ts";
import { dispatchRound, scheduleJob } from "../schedule.ts";
import { WORKING_STATUSES, type CaseStatus } from "../../domain/case.ts";
import { formatChinaDateTime } from "../../domain/time.ts";
import { escalationChain } from "../../org/areas.ts";
import { escalated } from "../../cases/records.ts";
import { caseVars } from "../../cases/presenters.ts";

export function escalateJob(ctx: JobContext): JobHandler {
  return async function escalate(job, now) {
    const { phase, level, round } = job.payload as { phase: "response" | "resolve"; level: number; round: string };
    const kase = await loadCase(ctx, job);
    if (dispatchRound(kase) !== round) return skipped("superseded by rework or a new dispatch");
    if (!WORKING_STATUSES.includes(kase.status as CaseStatus)) return skipped(`case is ${kase.status}`);
    if (phase === "response" && kase.respondedAt) return skipped("unit has responded");

    const chain = await escalationChain(ctx.db, kase.gridId);
    const areaId = chain[Math.min(level, chain.length) - 1];
    const due = phase === "response" ? kase.responseDueAt! : kase.resolveDueAt!;
    const settings = await ctx.settings.current();
    await ctx.db.$transaction(async (tx) => {
      const text = ctx.replies.render("unit_escalate", { ...caseVars(kase), level: level === 1 ? "督办" : "二级督办", phase: PHASE_LABELS[phase], due: formatChinaDateTime(due) });
      const message = { caseId: kase.id, text, kind: "escalation", now, dedupeKey: `job:${job.id}` };
      if (areaId) await notifyArea(tx, areaId, message);
      if (kase.leadUnitId) await notifyUnit(tx, kase.leadUnitId, { ...message, dedupeKey: `job:${job.id}:unit` });
      await escalated(tx, kase, { level, note: `${PHASE_LABELS[phase]}超时，${level === 1 ? "一" : "二"}级督办`, data: { phase, level, areaId: areaId ?? null, jobId: job.id }, now });
      if (level < 2) {
        await scheduleJob(tx, {
          kind: "escalate",
          key: `${kase.id}:${round}:${phase}:${level + 1}`,
          caseId: kase.id,
          dueAt: new Date(now.getTime() + settings.secondEscalationHours * 3600_000),
          payload: { phase, level: level + 1, round },
          now,
        });
      }
    });
    return done(`escalated ${phase} to level ${level}`);
  };
}
