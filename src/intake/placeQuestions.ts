// Questions about the community's service places (where, when, open today, what it costs, how to book), answered
// from the administrators' data without opening a case. Only clear questions: a complaint about a place is left
// for the appeal that follows. When the recogniser cannot tell which place a question means and an LLM is
// configured, the LLM may choose the place and the question (classify/placeChoice.ts); the answer is still the
// service's own text from the data, and any failure or "none" keeps the local result.
import { answerPlaceQuestion, clean, needsPlaceChoice, questionWordIn, recognisePlaceQuestion, type PlaceFacts, type RecognisedQuestion } from "../places/answers.ts";
import { loadPlaceFacts } from "../places/service.ts";
import { escalationChain } from "../org/areas.ts";
import type { Db } from "../db.ts";
import type { Responder } from "./respond.ts";
import type { IntakeDeps, IntakeResult, Turn } from "./types.ts";

type PlaceQuestionDeps = Pick<IntakeDeps, "db" | "log" | "calendar" | "replies" | "placeChooser"> & { out: Responder };

/** The active places, and in a group bound to a grid the areas whose places come first (that grid, its community, its street). */
export async function placesAround(db: Db, group: Turn["group"]) {
  const places = await loadPlaceFacts(db);
  const preferred = group?.gridId ? [group.gridId, ...(await escalationChain(db, group.gridId))] : [];
  return { places, preferred };
}

/** The local result, or the LLM's choice of place and question when the local recogniser could not tell. */
async function recognise(deps: PlaceQuestionDeps, turn: Turn, places: PlaceFacts[], preferred: number[]): Promise<RecognisedQuestion | null> {
  const local = recognisePlaceQuestion(turn.text, places, preferred);
  const chooser = deps.placeChooser;
  if (!chooser || !needsPlaceChoice(turn.text, local, places, preferred)) return local;
  const known = places.filter((p): p is PlaceFacts & { code: string } => Boolean(p.code));
  const choice = await chooser.choose(turn.text, [turn.row.senderName], known.map((p) => ({ code: p.code, name: p.name, kind: p.kind })));
  if (choice.kind !== "chosen") return local;
  const place = known.find((p) => p.code === choice.place);
  const question = choice.question ?? local?.question ?? questionWordIn(turn.text);
  if (!place || !question) return local;
  const t = clean(turn.text);
  const service = place.services.find((s) => s.name.length >= 2 && t.includes(s.name))?.name ?? null;
  return { question, place, service, said: place.name };
}

/** The answer to a question about a place, or null when the message is not one. */
export async function answerPlaceQuestionTurn(deps: PlaceQuestionDeps, turn: Turn): Promise<IntakeResult | null> {
  const { db, log, calendar, replies, out } = deps;
  const { row, now, group } = turn;
  const { places, preferred } = await placesAround(db, group);
  const recognised = await recognise(deps, turn, places, preferred);
  if (!recognised) return null;
  const answer = answerPlaceQuestion(recognised, calendar, now, { isGroup: row.isGroup });
  log.info({ inboundId: row.id, placeId: recognised.place?.id ?? null, question: recognised.question, template: answer.template }, "place question answered");
  return out.answer(db, row, now, "place_info", replies.render(answer.template, answer.vars));
}
