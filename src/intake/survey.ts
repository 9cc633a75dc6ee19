// After resolution: the resident's answer to the survey (回访), and "没解决" reopening their own case (重办).
import type { Db } from "../db.ts";
import type { CaseService } from "../cases/service.ts";
import { readRating, recordReporterAnswer, recordSurveyAnswer, type SatisfactionReader } from "../followup/satisfaction.ts";
import type { Replies } from "../texts/replies.ts";
import { quotedCaseNumber, recogniseSmallTalk } from "./recognise.ts";
import type { Responder } from "./respond.ts";
import { caseSummary, caseVars } from "../cases/presenters.ts";
import type { IntakeResult, Turn } from "./types.ts";

export interface SurveyDeps {
  db: Db;
  replies: Replies;
  cases: CaseService;
  satisfaction: SatisfactionReader;
  out: Responder;
}

/** An answer to the satisfaction survey (回访), or null when the message is something else. */
export async function answerSurvey(h: SurveyDeps, turn: Turn, questionId: number, caseId: number, explicitlyAddressed: boolean): Promise<IntakeResult | null> {
const { db, replies, satisfaction, cases, out } = h;
  const { row, now, text } = turn;
  if (quotedCaseNumber(text) !== null) return null;
  // Without an @mention only a plain rating counts; free text goes to the LLM only when addressed to the bot.
  const read = explicitlyAddressed ? await satisfaction.read(text, [turn.row.senderName]) : readRating(text);
  if (!read) {
    if (!explicitlyAddressed || recogniseSmallTalk(text) !== null) return null;
    return db.$transaction(async (tx) => out.finish(tx, row, now, { outcome: "answer", replies: [await out.reply(tx, row, now, replies.render("survey_unclear"), caseId)] }, caseId));
  }
  // A resident who joined the case (同诉) rates it for themselves: recorded, the case goes on as its resident says.
  const joined = await db.caseReporter.findFirst({ where: { caseId, residentId: turn.residentId, splitAt: null } });
  return db.$transaction(async (tx) => {
    await tx.pendingQuestion.update({ where: { id: questionId }, data: { answeredAt: now } });
    await tx.inboundMessage.update({ where: { id: row.id }, data: { caseId } });
    if (joined) {
      const { kase, answer } = await recordReporterAnswer(tx, { replies }, { ...joined, senderId: row.senderId }, { rating: read.rating, reason: read.reason, now });
      const reply = await out.reply(tx, row, now, answer, caseId);
      return out.finish(tx, row, now, { outcome: "answer", replies: [reply], case: caseSummary(kase) }, caseId);
    }
    const { kase, answer } = await recordSurveyAnswer(tx, { cases, replies }, { caseId, rating: read.rating, reason: read.reason, actorId: row.senderId, now });
    const reply = await out.reply(tx, row, now, answer, caseId);
    return out.finish(tx, row, now, { outcome: "answer", replies: [reply], case: caseSummary(kase) }, caseId);
  });
}

/** "没解决": the resident reopens their own resolved or recently closed case. */
export async function reopenOnComplaint(h: SurveyDeps, turn: Turn, quoted: string | null): Promise<IntakeResult | null> {
const { db, replies, cases, out } = h;
  const { row, now, text } = turn;
  const recent = new Date(now.getTime() - 30 * 86400_000);
  const kase = await db.case.findFirst({
    where: {
      residentId: turn.residentId,
      status: { in: ["resolved", "awaiting_feedback", "closed"] },
      ...(quoted ? { number: quoted } : { OR: [{ closedAt: null }, { closedAt: { gt: recent } }] }),
      mergedIntoId: null,
    },
    orderBy: { resolvedAt: "desc" },
  });
  if (!kase) return null;
  return db.$transaction(async (tx) => {
    await tx.pendingQuestion.updateMany({ where: { caseId: kase.id, answeredAt: null }, data: { answeredAt: now } });
    await tx.inboundMessage.update({ where: { id: row.id }, data: { caseId: kase.id } });
    const updated = await cases.act(kase.id, { action: "reopen", actor: "resident", actorId: row.senderId, reason: `居民反映未解决：${text}`, now }, tx);
    const reply = await out.reply(tx, row, now, replies.render("case_reopened_by_resident", caseVars(updated)), kase.id);
    return out.finish(tx, row, now, { outcome: "case_query", replies: [reply], case: caseSummary(updated) }, kase.id);
  });
}
