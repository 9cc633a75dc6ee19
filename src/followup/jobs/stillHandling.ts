// Tells the resident the case is still being handled when nothing has been said for a while.
import type { JobHandler } from "../scheduler.ts";
import { done, loadCase, skipped, type JobContext } from "../context.ts";
import { notifyResident } from "../notify.ts";
import { scheduleJob } from "../schedule.ts";
import { OPEN_STATUSES, type CaseStatus } from "../../domain/case.ts";
import { caseVars } from "../../cases/presenters.ts";

export function stillHandlingJob(ctx: JobContext): JobHandler {
  return async function stillHandling(job, now) {
    const kase = await loadCase(ctx, job);
    if (!OPEN_STATUSES.includes(kase.status as CaseStatus)) return skipped(`case is ${kase.status}`);
    const settings = await ctx.settings.current();
    const quietFor = settings.stillHandlingDays * 86400_000;
    const lastNews = kase.lastResidentUpdateAt ?? kase.createdAt;
    const next = (from: Date) =>
      scheduleJob(ctx.db, { kind: "still_handling", key: `${kase.id}:${kase.reworkCount}:${from.getTime()}`, caseId: kase.id, dueAt: new Date(from.getTime() + quietFor), payload: { round: kase.reworkCount }, now });
    if (now.getTime() - lastNews.getTime() < quietFor) {
      await next(lastNews);
      return skipped("the resident heard from us recently");
    }
    await ctx.db.$transaction(async (tx) => {
      await notifyResident(tx, { caseId: kase.id, text: ctx.replies.render("progress_still_handling", caseVars(kase)), kind: "progress", now, settings, dedupeKey: `job:${job.id}` });
    });
    await next(now);
    return done("told the resident it is still being handled");
  };
}
