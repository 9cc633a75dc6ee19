// 回访: after resolution, ask the resident in the chat the appeal came from whether they are satisfied;
// remind once; without an answer in time, record 未评价 and close.
import type { JobHandler } from "../scheduler.ts";
import { done, loadCase, skipped, type JobContext } from "../context.ts";
import { notifyResident } from "../notify.ts";
import { scheduleJob } from "../schedule.ts";
import type { Settings } from "../../settings.ts";
import { caseVars } from "../../cases/presenters.ts";
import { joinedReporters } from "../../cases/sameProblem.ts";

/**
 * A subscription notice (服务号, window closed) links to a page where the resident answers with one tap: each
 * addressee's own link (a joined resident's answer is theirs).
 */
function surveyLink(ctx: JobContext, kase: { id: number; reworkCount: number }, now: Date, settings: Settings) {
  const until = new Date(now.getTime() + settings.surveyTimeoutDays * 86400_000);
  return (reporterId: number | null) => ctx.links.survey(kase.id, kase.reworkCount, until, reporterId);
}

export function surveyJob(ctx: JobContext): JobHandler {
  return async function survey(job, now) {
    const kase = await loadCase(ctx, job);
    if (kase.status !== "resolved") return skipped(`case is ${kase.status}`);
    // 同诉: the residents who joined are asked too, each in their own chat (their answer is theirs: cases/join.ts).
    const joined = kase.anonymisedAt ? [] : await joinedReporters(ctx.db, kase.id);
    if ((!kase.resident && !joined.length) || kase.anonymisedAt) {
      await ctx.cases.act(kase.id, { action: "close", actor: "scheduler", now });
      return skipped("nobody to ask: closed");
    }
    const settings = await ctx.settings.current();
    await ctx.db.$transaction(async (tx) => {
      await ctx.cases.act(kase.id, { action: "request_feedback", actor: "scheduler", now }, tx);
      const asked = [...(kase.resident ? [{ channel: kase.channel, chatId: kase.chatId, senderId: kase.resident.externalId }] : []), ...joined.map((r) => ({ channel: r.channel, chatId: r.chatId, senderId: r.resident!.externalId }))];
      for (const who of asked) {
        await tx.pendingQuestion.create({
          data: { caseId: kase.id, ...who, kind: "survey", asked: ["满意度"], createdAt: now, expiresAt: new Date(now.getTime() + settings.surveyTimeoutDays * 86400_000) },
        });
      }
      await notifyResident(tx, { caseId: kase.id, text: ctx.replies.render("survey_ask", caseVars(kase)), kind: "survey", now, settings, dedupeKey: `job:${job.id}`, url: surveyLink(ctx, kase, now, settings) });
      const key = `${kase.id}:${kase.reworkCount}`;
      await scheduleJob(tx, { kind: "survey_reminder", key, caseId: kase.id, dueAt: new Date(now.getTime() + settings.surveyReminderHours * 3600_000), now });
      await scheduleJob(tx, { kind: "survey_expire", key, caseId: kase.id, dueAt: new Date(now.getTime() + settings.surveyTimeoutDays * 86400_000), now });
    });
    return done("asked the resident");
  };
}

export function surveyReminderJob(ctx: JobContext): JobHandler {
  return async function surveyReminder(job, now) {
    const kase = await loadCase(ctx, job);
    if (kase.status !== "awaiting_feedback") return skipped(`case is ${kase.status}`);
    const settings = await ctx.settings.current();
    await ctx.db.$transaction((tx) =>
      notifyResident(tx, {
        caseId: kase.id,
        text: ctx.replies.render("survey_reminder", caseVars(kase)),
        kind: "survey",
        now,
        settings,
        dedupeKey: `job:${job.id}`,
        url: surveyLink(ctx, kase, now, settings),
        unratedOnly: true,
      }),
    );
    return done("reminded the resident");
  };
}

export function surveyExpireJob(ctx: JobContext): JobHandler {
  return async function surveyExpire(job, now) {
    const kase = await loadCase(ctx, job);
    if (kase.status !== "awaiting_feedback") return skipped(`case is ${kase.status}`);
    await ctx.db.$transaction(async (tx) => {
      await ctx.cases.act(kase.id, { action: "expire_feedback", actor: "scheduler", now }, tx);
      await tx.pendingQuestion.updateMany({ where: { caseId: kase.id, kind: "survey", answeredAt: null }, data: { answeredAt: now } });
    });
    return done("not evaluated: closed");
  };
}
