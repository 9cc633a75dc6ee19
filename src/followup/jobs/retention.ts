// Anonymises residents' data on cases closed longer ago than the retention period, then schedules itself for
// the next night. The case, its matter, units and times stay for the statistics; its photos, voice messages and
// location pins are deleted. Photos and pins that never became part of a case are deleted after a week.
// The case's labelled example (its text, sent to the LLM as an example) is anonymised with it: masked again,
// with the resident's names, like the case's own text and its rationale.
import type { JobHandler } from "../scheduler.ts";
import { done, type JobContext } from "../context.ts";
import { scheduleOnce } from "../schedule.ts";
import { redactPersonalData } from "../../domain/redact.ts";
import { chinaDate } from "../../domain/time.ts";
import { anonymised } from "../../cases/records.ts";

/** Photos and pins a resident sent that never became part of a case are kept this long. */
const LOOSE_MEDIA_DAYS = 7;

/** The next `time` (03:00 unless said) China time after `now`: when a nightly job runs next. */
export function nextNight(now: Date, time = "03:00"): Date {
  const today = new Date(`${chinaDate(now)}T${time}:00+08:00`);
  return today > now ? today : new Date(today.getTime() + 86400_000);
}

export async function ensureRetentionScheduled(ctx: Pick<JobContext, "db">, now: Date) {
  const at = nextNight(now);
  await scheduleOnce(ctx.db, { kind: "retention", key: chinaDate(at), dueAt: at, now });
}

export function retentionJob(ctx: JobContext): JobHandler {
  return async function retention(_job, now) {
    const settings = await ctx.settings.current();
    const before = new Date(now.getTime() - settings.retentionDays * 86400_000);
    const cases = await ctx.db.case.findMany({
      where: { closedAt: { lt: before }, anonymisedAt: null },
      select: { id: true, text: true, location: true, classRationale: true, residentId: true, resident: { select: { displayName: true } } },
    });
    let examples = 0;
    const files: string[] = [];
    for (const c of cases) {
      await ctx.db.$transaction(async (tx) => {
        files.push(...(await ctx.media.erase(tx, await tx.attachment.findMany({ where: { caseId: c.id, status: { not: "deleted" } } }))));
        const messages = await tx.inboundMessage.findMany({ where: { caseId: c.id }, select: { id: true, text: true, senderName: true } });
        const names = [c.resident?.displayName, ...messages.map((m) => m.senderName)];
        const masked = { text: redactPersonalData(c.text, names), location: c.location ? redactPersonalData(c.location, names) : null, classRationale: redactPersonalData(c.classRationale, names) };
        const example = await tx.labelledExample.findUnique({ where: { caseId: c.id }, select: { id: true, text: true } });
        if (example) {
          await tx.labelledExample.update({ where: { id: example.id }, data: { text: redactPersonalData(example.text, names) } });
          examples++;
        }
        for (const m of messages) {
          await tx.inboundMessage.update({ where: { id: m.id }, data: { text: redactPersonalData(m.text, names), senderName: null, raw: {} } });
        }
        await anonymised(tx, c.id, masked, now);
        // A resident with no case left that still needs them is forgotten.
        if (c.residentId && (await tx.case.count({ where: { residentId: c.residentId, anonymisedAt: null } })) === 0) {
          await tx.resident.update({ where: { id: c.residentId }, data: { displayName: null, externalId: `anonymised-${c.residentId}` } });
        }
      });
    }
    const loose = await ctx.db.attachment.findMany({ where: { caseId: null, status: { not: "deleted" }, createdAt: { lt: new Date(now.getTime() - LOOSE_MEDIA_DAYS * 86400_000) } } });
    if (loose.length) files.push(...(await ctx.db.$transaction((tx) => ctx.media.erase(tx, loose))));
    // Files go once the rows that pointed at them are committed.
    await ctx.media.removeFiles(files);
    await ensureRetentionScheduled(ctx, new Date(now.getTime() + 60_000));
    return done(`anonymised ${cases.length} cases and ${examples} of their examples, deleted ${loose.length} photos and pins that belonged to no case`);
  };
}
