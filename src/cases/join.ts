// 同诉 (+1) written on a case: a resident joins an open case that is the same problem (the case counts them and
// ranks higher), a joined resident's rating is recorded, and a worker splits a wrongly joined report off into a
// case of its own. The decision "same problem?" is sameProblem.ts's; these only write.
import type { Prisma } from "../db.ts";
import { OPEN_STATUSES } from "../domain/case.ts";
import { TransitionError } from "../domain/caseMachine.ts";
import type { WorkCalendar } from "../domain/deadlines.ts";
import { matterInfo } from "../classify/catalogue.ts";
import { openCase } from "./open.ts";
import { recordEvent, residentWrote } from "./records.ts";

type Tx = Prisma.TransactionClient;

export interface Joiner {
  caseId: number;
  residentId: number;
  inboundId: number;
  channel: string;
  chatId: string;
  isGroup: boolean;
  text: string;
  similarity: number;
  now: Date;
}

/**
 * The resident joins the case, if it is still open: counted once (a resident who raised it already is heard, not
 * counted again). Returns whether they were added, or null when the case is no longer open.
 */
export async function reporterJoined(tx: Tx, j: Joiner): Promise<{ added: boolean } | null> {
  const kase = await tx.case.findUnique({ where: { id: j.caseId }, select: { status: true, residentId: true } });
  if (!kase || !OPEN_STATUSES.includes(kase.status as never)) return null;
  await tx.inboundMessage.update({ where: { id: j.inboundId }, data: { caseId: j.caseId } });
  const already = kase.residentId === j.residentId || (await tx.caseReporter.count({ where: { caseId: j.caseId, residentId: j.residentId, splitAt: null } })) > 0;
  if (already) {
    await residentWrote(tx, j.caseId, { text: j.text, inboundId: j.inboundId, now: j.now });
    return { added: false };
  }
  const reporter = await tx.caseReporter.create({
    data: { caseId: j.caseId, residentId: j.residentId, inboundId: j.inboundId, channel: j.channel, chatId: j.chatId, isGroup: j.isGroup, text: j.text, similarity: j.similarity, joinedAt: j.now },
  });
  await tx.case.update({ where: { id: j.caseId }, data: { reporterCount: { increment: 1 } } });
  await recordEvent(tx, j.caseId, { type: "reporter_joined", actor: "bot", note: j.text, data: { reporterId: reporter.id, inboundId: j.inboundId, similarity: j.similarity }, now: j.now });
  return { added: true };
}

/**
 * A joined resident's 回访 answer: kept on their reporter row and in the case's log. The case's own satisfaction
 * (and the KPIs) stay the original resident's; a joined 不满意 reopens nothing, workers see it in the log.
 */
export async function reporterRated(tx: Tx, r: { id: number; caseId: number }, a: { rating: string; reason: string; now: Date }) {
  await tx.caseReporter.update({ where: { id: r.id }, data: { satisfaction: a.rating } });
  await recordEvent(tx, r.caseId, { type: "reporter_rated", actor: "resident", note: a.reason || null, data: { reporterId: r.id, satisfaction: a.rating }, now: a.now });
}

/**
 * The split's write (the "split" action of the lifecycle): a joined report that is not the same problem becomes
 * a case of its own, on the same matter and place (joining needed both), accepted; the reporter row points at it.
 */
export async function splitOff(tx: Tx, kase: { id: number; number: string; matterId: number | null; location: string | null; gridId: number | null; buildingId: number | null; listVersionId: number | null }, p: { reporterId?: number; calendar: WorkCalendar; now: Date }) {
  const reporter = p.reporterId ? await tx.caseReporter.findFirst({ where: { id: p.reporterId, caseId: kase.id, splitAt: null } }) : null;
  if (!reporter) throw new TransitionError("请选择本工单中要拆分出去的同诉居民", "illegal_transition");
  const matter = kase.matterId ? await tx.matter.findUnique({ where: { id: kase.matterId }, include: { leadUnit: true, cooperatingUnits: { include: { unit: true } } } }) : null;
  const created = await openCase(tx, {
    now: p.now,
    text: reporter.text,
    location: kase.location,
    channel: reporter.channel,
    chatId: reporter.chatId,
    isGroup: reporter.isGroup,
    residentId: reporter.residentId,
    inboundId: reporter.inboundId,
    gridId: kase.gridId,
    buildingId: kase.buildingId,
    matter: matter ? matterInfo(matter) : null,
    urgency: "normal",
    status: matter ? "accepted" : "needs_review",
    classification: { source: "worker", reason: `从工单 ${kase.number} 拆分` },
    missingInfo: [],
    calendar: p.calendar,
    listVersionId: kase.listVersionId,
  });
  await tx.caseReporter.update({ where: { id: reporter.id }, data: { splitAt: p.now, splitCaseId: created.id } });
  return { reporterId: reporter.id, created };
}
