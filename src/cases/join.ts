// 同诉 (+1) written on a case: a resident joins an open case that is the same problem (the case counts them and
// ranks higher), a joined resident's rating is recorded, a worker splits a wrongly joined report off into a case
// of its own, and a case merged into another brings its residents along. The decision "same problem?" is
// sameProblem.ts's; these only write.
import { sqlRows, sqlTime, type Prisma } from "../db.ts";
import { insertRow, modelColumns } from "../rawRows.ts";
import { OPEN_STATUSES } from "../domain/case.ts";
import { TransitionError } from "../domain/caseMachine.ts";
import type { WorkCalendar } from "../domain/deadlines.ts";
import { MATTER_UNITS, matterInfo } from "../classify/catalogue.ts";
import { openCase } from "./open.ts";
import { recordEvent, residentWrote } from "./records.ts";

type Tx = Prisma.TransactionClient;
type CaseRow = Prisma.CaseGetPayload<object>;

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
 * counted again). Returns whether they were added (with the case as written then), or null when the case is no
 * longer open. The caller links the message to the case (the intake's finish, in the same transaction).
 */
export async function reporterJoined(tx: Tx, j: Joiner): Promise<{ added: false } | { added: true; kase: CaseRow } | null> {
  // Raw SQL (db.ts sqlRows, rawRows.ts): Prisma would plan each statement, and a burst (a power cut: hundreds of
  // residents in a minute) is nearly all joins. The case and whether this resident is counted on it already, in one.
  const [kase] = await sqlRows<{ status: string; residentId: number | null; counted: unknown }>(
    tx,
    `SELECT "status", "residentId", EXISTS (SELECT 1 FROM "CaseReporter" WHERE "caseId" = ? AND "residentId" = ? AND "splitAt" IS NULL) AS "counted" FROM "Case" WHERE "id" = ?`,
    j.caseId,
    j.residentId,
    j.caseId,
  );
  if (!kase || !OPEN_STATUSES.includes(kase.status as never)) return null;
  // PostgreSQL answers EXISTS with a boolean, SQLite with 0 or 1 (a bigint from an expression).
  if (kase.residentId === j.residentId || Boolean(kase.counted)) {
    await residentWrote(tx, j.caseId, { text: j.text, inboundId: j.inboundId, now: j.now });
    return { added: false };
  }
  const data = { caseId: j.caseId, residentId: j.residentId, inboundId: j.inboundId, channel: j.channel, chatId: j.chatId, isGroup: j.isGroup, text: j.text, similarity: j.similarity, joinedAt: j.now };
  const reporter = await insertRow<{ id: number }>(tx, "CaseReporter", data, () => tx.caseReporter.create({ data }));
  // updatedAt as Prisma's update sets it: the time of the write.
  const [updated] = await sqlRows<CaseRow>(tx, `UPDATE "Case" SET "reporterCount" = "reporterCount" + 1, "updatedAt" = ?t WHERE "id" = ? RETURNING ${modelColumns(tx, "Case")}`, sqlTime(new Date()), j.caseId);
  await recordEvent(tx, j.caseId, { type: "reporter_joined", actor: "bot", note: j.text, data: { reporterId: reporter.id, inboundId: j.inboundId, similarity: j.similarity }, now: j.now });
  return { added: true, kase: updated };
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
  const matter = kase.matterId ? await tx.matter.findUnique({ where: { id: kase.matterId }, include: MATTER_UNITS }) : null;
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

/**
 * A withdrawal's write when residents joined the case (the withdraw action): the earliest of them becomes the
 * case's resident (their chat its chat, their report no longer a joined one), the count drops by the one who
 * withdrew, and that one's open questions are settled. Null when nobody joined: the case simply closes.
 */
export async function handOver(tx: Tx, kase: { id: number; residentId: number | null }, now: Date): Promise<{ reporterId: number; data: Prisma.CaseUpdateInput } | null> {
  const next = await tx.caseReporter.findFirst({ where: { caseId: kase.id, splitAt: null, residentId: { not: null } }, orderBy: [{ joinedAt: "asc" }, { id: "asc" }] });
  if (!next) return null;
  const left = kase.residentId ? await tx.resident.findUnique({ where: { id: kase.residentId } }) : null;
  if (left) await tx.pendingQuestion.updateMany({ where: { caseId: kase.id, senderId: left.externalId, answeredAt: null }, data: { answeredAt: now } });
  await tx.caseReporter.delete({ where: { id: next.id } });
  await recordEvent(tx, kase.id, { type: "reporter_took_over", actor: "bot", note: next.text, data: { reporterId: next.id, residentId: next.residentId, previousResidentId: kase.residentId }, now });
  return {
    reporterId: next.id,
    data: { resident: { connect: { id: next.residentId! } }, channel: next.channel, chatId: next.chatId, isGroup: next.isGroup, reporterCount: { decrement: 1 } },
  };
}

/**
 * A case merged into another (the merge action): its resident and the residents who joined it become reporters of
 * the target, counted there (a resident the target has already is not counted twice), so they hear the target's
 * progress and get its survey. A report split off from some case and now merged keeps its one row: it moves here.
 */
export async function carryReporters(tx: Tx, from: { id: number; number: string; residentId: number | null; channel: string; chatId: string; isGroup: boolean; text: string }, targetId: number, now: Date) {
  const target = await tx.case.findUniqueOrThrow({ where: { id: targetId }, select: { residentId: true, reporters: { where: { splitAt: null }, select: { residentId: true } } } });
  const present = new Set([target.residentId, ...target.reporters.map((r) => r.residentId)].filter((id): id is number => id !== null));
  const moved: number[] = [];
  const joined = await tx.caseReporter.findMany({ where: { caseId: from.id, splitAt: null, residentId: { not: null } }, orderBy: { id: "asc" } });
  for (const r of joined) {
    if (present.has(r.residentId!)) continue;
    await tx.caseReporter.update({ where: { id: r.id }, data: { caseId: targetId, satisfaction: null } });
    present.add(r.residentId!);
    moved.push(r.id);
  }
  const resident = from.residentId && !present.has(from.residentId) ? await tx.resident.findUnique({ where: { id: from.residentId } }) : null;
  const opening = resident ? await tx.inboundMessage.findFirst({ where: { caseId: from.id, channel: resident.channel, senderId: resident.externalId }, orderBy: { id: "asc" } }) : null;
  if (resident && opening) {
    // A worker judged them the same problem: as alike as can be.
    const row = { caseId: targetId, residentId: resident.id, channel: from.channel, chatId: from.chatId, isGroup: from.isGroup, text: from.text, similarity: 1, joinedAt: now, splitAt: null, splitCaseId: null, satisfaction: null };
    const own = await tx.caseReporter.upsert({ where: { inboundId: opening.id }, create: { ...row, inboundId: opening.id }, update: row });
    moved.unshift(own.id);
  }
  if (!moved.length) return 0;
  await tx.case.update({ where: { id: targetId }, data: { reporterCount: { increment: moved.length } } });
  await recordEvent(tx, targetId, { type: "reporters_merged", actor: "bot", note: `工单 ${from.number} 合并至此，${moved.length} 位居民一并计入`, data: { from: from.number, reporterIds: moved }, now });
  return moved.length;
}
