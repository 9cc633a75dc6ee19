// The resident's answer to our question "where is it?": telling it from a new appeal, and adding it to the case.
import type { Db } from "../db.ts";
import type { Classifier } from "../classify/types.ts";
import type { ReferenceData } from "../reference.ts";
import { findLocation } from "../domain/location.ts";
import type { Replies } from "../texts/replies.ts";
import { completeInfo } from "../cases/records.ts";
import type { MediaService } from "../media/service.ts";
import { placeOf } from "../org/areas.ts";
import { quotedCaseNumber, recogniseSmallTalk } from "./recognise.ts";
import type { Responder } from "./respond.ts";
import { caseSummary } from "../cases/presenters.ts";
import type { IntakeResult, IntakeSettings, Turn } from "./types.ts";

export interface AnswerDeps {
  db: Db;
  settings: IntakeSettings;
  local: Classifier;
  reference: ReferenceData;
  replies: Replies;
  media: MediaService;
  out: Responder;
}

/**
 * Whether a message from someone we asked where the problem is reads as the answer rather than something new:
 * it names a place, is not small talk or a case number, and is not clearly about another matter.
 */
export async function answersQuestion(h: AnswerDeps, text: string, caseMatterId: number | null): Promise<boolean> {
  if (findLocation(text) === null || recogniseSmallTalk(text) !== null || quotedCaseNumber(text) !== null) return false;
  const { reference, settings, local } = h;
  const other = await local.classify({ text }, reference.catalogue);
  const otherMatter = other.matterCode ? reference.catalogue.byCode.get(other.matterCode) : undefined;
  return !(otherMatter && otherMatter.id !== caseMatterId && other.confidence >= settings.reviewConfidence);
}

/** The answer (words or a location pin) completes the case: its place, and the question settled. */
export async function completeFromAnswer(h: AnswerDeps, turn: Turn, questionId: number, kase: { id: number; number: string; location: string | null }): Promise<IntakeResult> {
  const { db, replies, out } = h;
  const { row, now, text, group } = turn;
  const place = await placeOf(db, text, group);
  return db.$transaction(async (tx) => {
    await tx.pendingQuestion.update({ where: { id: questionId }, data: { answeredAt: now } });
    const updated = await completeInfo(tx, kase, { text, place, inboundId: row.id, now });
    await tx.inboundMessage.update({ where: { id: row.id }, data: { caseId: kase.id } });
    // An answer given as a location pin stays with the case.
    await h.media.attach(tx, kase.id, (await tx.attachment.findMany({ where: { inboundId: row.id }, select: { id: true } })).map((a) => a.id), now);
    const reply = await out.reply(tx, row, now, replies.render("info_completed", { case_number: kase.number }), kase.id);
    return out.finish(tx, row, now, { outcome: "answer", replies: [reply], case: caseSummary(updated) }, kase.id);
  });
}
