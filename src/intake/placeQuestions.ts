// Questions about the community's service places (where, when, open today, what it costs, how to book), answered
// from the administrators' data without opening a case. Only clear questions: a complaint about a place is left
// for the appeal that follows.
import { answerPlaceQuestion, recognisePlaceQuestion } from "../places/answers.ts";
import { loadPlaceFacts } from "../places/service.ts";
import { escalationChain } from "../org/areas.ts";
import type { Db } from "../db.ts";
import type { Responder } from "./respond.ts";
import type { IntakeDeps, IntakeResult, Turn } from "./types.ts";

type PlaceQuestionDeps = Pick<IntakeDeps, "db" | "log" | "calendar" | "replies"> & { out: Responder };

/** The active places, and in a group bound to a grid the areas whose places come first (that grid, its community, its street). */
export async function placesAround(db: Db, group: Turn["group"]) {
  const places = await loadPlaceFacts(db);
  const preferred = group?.gridId ? [group.gridId, ...(await escalationChain(db, group.gridId))] : [];
  return { places, preferred };
}

/** The answer to a question about a place, or null when the message is not one. */
export async function answerPlaceQuestionTurn(deps: PlaceQuestionDeps, turn: Turn): Promise<IntakeResult | null> {
  const { db, log, calendar, replies, out } = deps;
  const { row, now, text, group } = turn;
  const { places, preferred } = await placesAround(db, group);
  const recognised = recognisePlaceQuestion(text, places, preferred);
  if (!recognised) return null;
  const answer = answerPlaceQuestion(recognised, calendar, now, { isGroup: row.isGroup });
  log.info({ inboundId: row.id, placeId: recognised.place?.id ?? null, question: recognised.question, template: answer.template }, "place question answered");
  return out.answer(db, row, now, "place_info", replies.render(answer.template, answer.vars));
}
