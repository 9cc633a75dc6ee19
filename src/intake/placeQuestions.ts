// Questions about the community's service places (where, when, open today, what it costs, how to book), answered
// from the administrators' data without opening a case. Only clear questions: a complaint about a place is left
// for the appeal that follows.
import { answerPlaceQuestion, recognisePlaceQuestion } from "../places/answers.ts";
import { loadPlaceFacts } from "../places/service.ts";
import { escalationChain } from "../org/areas.ts";
import type { Responder } from "./respond.ts";
import type { IntakeDeps, IntakeResult, Turn } from "./types.ts";

type PlaceQuestionDeps = Pick<IntakeDeps, "db" | "log" | "calendar" | "replies"> & { out: Responder };

/** The answer to a question about a place, or null when the message is not one. */
export async function answerPlaceQuestionTurn(deps: PlaceQuestionDeps, turn: Turn): Promise<IntakeResult | null> {
  const { db, log, calendar, replies, out } = deps;
  const { row, now, text, group } = turn;
  const places = await loadPlaceFacts(db);
  // In a group bound to a grid, the places serving that grid, its community or its street come first.
  const preferred = group?.gridId ? [group.gridId, ...(await escalationChain(db, group.gridId))] : [];
  const recognised = recognisePlaceQuestion(text, places, preferred);
  if (!recognised) return null;
  const answer = answerPlaceQuestion(recognised, calendar, now, { isGroup: row.isGroup });
  log.info({ inboundId: row.id, placeId: recognised.place?.id ?? null, question: recognised.question, template: answer.template }, "place question answered");
  return out.answer(db, row, now, "place_info", replies.render(answer.template, answer.vars));
}
