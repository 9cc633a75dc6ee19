// 同诉 (+1) at intake: a confident appeal that repeats an open case (cases/sameProblem.ts) joins it instead of
// opening another; the resident is told its number and how many raised it, and hears its progress from then on.
import { takeTurn, type Prisma } from "../db.ts";
import type { Settings } from "../settings.ts";
import type { MatterInfo } from "../classify/catalogue.ts";
import { STATUS_LABELS, type CaseStatus } from "../domain/case.ts";
import { sameOpenProblem } from "../cases/sameProblem.ts";
import { reporterJoined } from "../cases/join.ts";
import { caseSummary } from "../cases/presenters.ts";
import { loadCase, withMatter } from "../cases/load.ts";
import type { Responder } from "./respond.ts";
import type { IntakeDeps, IntakeResult, Place, Turn } from "./types.ts";

export type JoinDeps = Pick<IntakeDeps, "replies" | "media"> & { out: Responder };

/**
 * Joins the same open problem's case and answers, in the caller's transaction — the one that would otherwise open
 * a case, so that writers taking turns (takeTurn on the matter, db.ts) makes the second of two identical appeals
 * arriving at once see the first one's case and join it. Null when there is none (the caller opens a case).
 */
export async function joinSameProblem(
  h: JoinDeps,
  tx: Prisma.TransactionClient,
  turn: Turn,
  a: { matter: MatterInfo; place: Place; attachmentIds: number[]; settings: Pick<Settings, "sameProblemSimilarity" | "sameProblemDays"> },
): Promise<IntakeResult | null> {
  const { row, now, text } = turn;
  await takeTurn(tx, `same-problem:${a.matter.id}`);
  const facts = { text, matterId: a.matter.id, buildingId: a.place.buildingId, gridId: a.place.gridId, location: a.place.location, now };
  const found = await sameOpenProblem(tx, facts, { similarity: a.settings.sameProblemSimilarity, days: a.settings.sameProblemDays });
  if (!found) return null;
  const caseId = found.kase.id;
  const joined = await reporterJoined(tx, { caseId, residentId: turn.residentId, inboundId: row.id, channel: row.channel, chatId: row.chatId, isGroup: row.isGroup, text, similarity: found.similarity, now });
  if (!joined) return null;
  await h.media.attach(tx, caseId, a.attachmentIds, now);
  const kase = joined.added ? await withMatter(tx, joined.kase) : await loadCase(tx, caseId);
  const reply = await h.out.reply(
    tx,
    row,
    now,
    h.replies.render("same_problem_joined", {
      case_number: kase.number,
      reporter_count: String(kase.reporterCount),
      matter_name: kase.matter?.name ?? a.matter.name,
      status: STATUS_LABELS[kase.status as CaseStatus] ?? kase.status,
    }),
    caseId,
  );
  return h.out.finish(tx, row, now, { outcome: "appeal", replies: [reply], case: caseSummary(kase) }, caseId);
}
