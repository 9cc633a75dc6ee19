// 督办: when a limit passes, the case is marked overdue and raised to the next level up the organisation
// (网格 → 社区 → 街道 → 区); while it stays overdue, to the level above: the street a day later (二级督办), then the
// district (三级督办), when one is kept above the street.
import type { JobHandler } from "../scheduler.ts";
import { done, loadCase, PHASE_LABELS, skipped, type JobContext } from "../context.ts";
import { notifyArea, notifyUnit } from "../notify.ts";
import { dispatchRound, scheduleJob } from "../schedule.ts";
import { WORKING_STATUSES, type CaseStatus } from "../../domain/case.ts";
import { formatChinaDateTime } from "../../domain/time.ts";
import { escalationChain } from "../../org/areas.ts";
import { escalated } from "../../cases/records.ts";
import { caseVars } from "../../cases/presenters.ts";

/** What each level is called; the last one a case rises to is the district. */
const LEVEL_NAMES = ["", "督办", "二级督办", "三级督办"] as const;
const LEVEL_NUMBERS = ["", "一", "二", "三"] as const;
const TOP_LEVEL = 3;

export function escalateJob(ctx: JobContext): JobHandler {
  return async function escalate(job, now) {
    const { phase, level, round } = job.payload as { phase: "response" | "resolve"; level: number; round: string };
    const kase = await loadCase(ctx, job);
    if (dispatchRound(kase) !== round) return skipped("superseded by rework or a new dispatch");
    if (!WORKING_STATUSES.includes(kase.status as CaseStatus)) return skipped(`case is ${kase.status}`);
    if (phase === "response" && kase.respondedAt) return skipped("unit has responded");

    const chain = await escalationChain(ctx.db, kase.gridId, kase.leadUnit?.areaId ?? null);
    const areaId = chain[Math.min(level, chain.length) - 1];
    const due = phase === "response" ? kase.responseDueAt! : kase.resolveDueAt!;
    const settings = await ctx.settings.current();
    await ctx.db.$transaction(async (tx) => {
      const text = ctx.replies.render("unit_escalate", { ...caseVars(kase), level: LEVEL_NAMES[level], phase: PHASE_LABELS[phase], due: formatChinaDateTime(due) });
      const message = { caseId: kase.id, text, kind: "escalation", now, dedupeKey: `job:${job.id}` };
      if (areaId) await notifyArea(tx, areaId, message);
      if (kase.leadUnitId) await notifyUnit(tx, kase.leadUnitId, { ...message, dedupeKey: `job:${job.id}:unit` });
      await escalated(tx, kase, { level, note: `${PHASE_LABELS[phase]}超时，${LEVEL_NUMBERS[level]}级督办`, data: { phase, level, areaId: areaId ?? null, jobId: job.id }, now });
      // The community, then the street, as before; the district only when the chain has one above the street.
      const next = level + 1;
      if (next < TOP_LEVEL || (next === TOP_LEVEL && (await isDistrict(tx, chain[next - 1])))) {
        await scheduleJob(tx, {
          kind: "escalate",
          key: `${kase.id}:${round}:${phase}:${level + 1}`,
          caseId: kase.id,
          dueAt: new Date(now.getTime() + (next === TOP_LEVEL ? settings.thirdEscalationHours : settings.secondEscalationHours) * 3600_000),
          payload: { phase, level: next, round },
          now,
        });
      }
    });
    return done(`escalated ${phase} to level ${level}`);
  };
}

async function isDistrict(db: Pick<JobContext["db"], "area">, areaId: number | undefined): Promise<boolean> {
  return Boolean(areaId && (await db.area.findUnique({ where: { id: areaId } }))?.level === "district");
}
