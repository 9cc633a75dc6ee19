// The handlers that open a case: a new appeal (classified, answered, dispatched), an emergency (the local
// classifier only, duty contacts told at once) and a voice message nobody could turn into words.
import type { Prisma } from "../db.ts";
import { knownQuestions } from "../classify/questions.ts";
import type { CaseStatus } from "../domain/case.ts";
import { formatChinaDateTime } from "../domain/time.ts";
import { openCase, reserveCaseNumber, type OpenCaseProps } from "../cases/open.ts";
import { recordEvent } from "../cases/records.ts";
import { insertRowLater } from "../rawRows.ts";
import { joinSameProblem } from "./join.ts";
import { notifyArea } from "../followup/notify.ts";
import { escalationChain } from "../org/areas.ts";
import type { UnitResolution } from "../org/roles.ts";
import type { MediaTurns } from "./mediaTurns.ts";
import type { Responder } from "./respond.ts";
import { caseSummary } from "../cases/presenters.ts";
import { communityOnOpen } from "../volunteers/opened.ts";
import type { EmergencyRuleData } from "./recognise.ts";
import type { IntakeDeps, IntakeResult, Place, Turn } from "./types.ts";

type Tx = Prisma.TransactionClient;

/** A voice case's text until a worker writes down what it says. */
export const VOICE_PENDING_TEXT = "（语音消息，待转写）";

/** The intake's deps these handlers use, its Responder and its media turns. */
export type AppealDeps = Pick<IntakeDeps, "db" | "settings" | "classifier" | "local" | "reference" | "calendar" | "replies" | "cases" | "runtimeSettings" | "media"> & {
  mediaTurns: MediaTurns;
  out: Responder;
};

/** A new appeal: classified (LLM or local), the case opened, the resident answered, then the lead unit told. */
export async function openAppeal(h: AppealDeps, turn: Turn): Promise<IntakeResult> {
  const { db, settings, reference, classifier, replies } = h;
  const { row, now, text, group } = turn;
  const catalogue = reference.catalogue;
  // The sender's name is masked with the rest of their personal data before the appeal goes to the LLM.
  const classification = await classifier.classify({ text, names: [row.senderName], context: group ? `微信群“${group.name}”` : "私聊" }, catalogue);
  const matter = classification.matterCode ? catalogue.byCode.get(classification.matterCode) ?? null : null;
  const status: CaseStatus = matter && classification.confidence >= settings.reviewConfidence ? "accepted" : "needs_review";
  const { place, attachmentIds } = await h.mediaTurns.placeAndMedia(turn);
  // Codes of the question catalogue only (whatever classifier answered); a pin already says where.
  const missingInfo = knownQuestions(classification.missingInfo).filter((code) => !(place.pinned && code === "location"));
  const runtime = await h.runtimeSettings.current();

  return db.$transaction(async (tx) => {
    // 同诉: the same open problem has a case already (looked for in this transaction, see join.ts): the resident
    // joins it instead of opening another.
    const joined = status === "accepted" && matter ? await joinSameProblem(h, tx, turn, { matter, place, attachmentIds, settings: runtime }) : null;
    if (joined) return joined;
    const created = await openCaseFor(h, tx, turn, place, {
      // A low-confidence matter is kept as the bot's suggestion for the worker who reviews the case.
      matter,
      urgency: classification.urgency,
      status,
      classification,
      missingInfo,
    }, attachmentIds);
    // The units found for this place (a role may have left it for a worker to review: openCase).
    const accepted = created.status === "accepted";
    const cooperating = (created.unitResolution as UnitResolution | null)?.cooperating ?? [];
    const lines = [
      accepted
        ? replies.render("appeal_accepted", {
            case_number: created.number,
            matter_name: matter!.name,
            lead_unit: created.leadUnit?.name ?? "社区工作人员",
            cooperating: cooperating.length ? `（配合：${cooperating.map((c) => c.unit.name).join("、")}）` : "",
            response_due: formatChinaDateTime(created.responseDueAt!),
            resolve_due: formatChinaDateTime(created.resolveDueAt!),
          })
        : replies.render("appeal_needs_review", { case_number: created.number }),
    ];
    if (missingInfo.length) {
      // The service's own wording of each question: nothing the model wrote reaches the resident.
      lines.push(replies.render("ask_missing", { missing: replies.questions(missingInfo) }));
      const question = {
        caseId: created.id,
        channel: row.channel,
        chatId: row.chatId,
        senderId: row.senderId,
        kind: "missing_info",
        asked: missingInfo,
        createdAt: now,
        expiresAt: new Date(now.getTime() + settings.questionTtlHours * 3600_000),
      };
      // Raw SQL (rawRows.ts): one appeal in six asks for what it lacks, and Prisma would plan the insert each time.
      await insertRowLater(tx, "PendingQuestion", question, () => tx.pendingQuestion.create({ data: question }));
    }
    const reply = await h.out.reply(tx, row, now, lines.join("\n"), created.id);
    // The resident is answered first; then the case goes to the lead unit.
    // The building's 党员中心户 hear of it; a 志愿者可认领 appeal goes to the grid's volunteers before any unit.
    const offered = await communityOnOpen(h, tx, created, now);
    const dispatched =
      !offered && accepted && runtime.autoDispatch && created.leadUnitId
        ? await h.cases.act(created.id, { action: "dispatch", actor: "bot", now }, tx, { kase: created, photos: attachmentIds.length > 0 })
        : created;
    return h.out.finish(tx, row, now, { outcome: "appeal", replies: [reply], case: caseSummary(dispatched) }, created.id);
  });
}

/** A message an emergency rule matched: a case at once, advice to the resident, the duty contacts alerted. */
export async function openEmergency(h: AppealDeps, turn: Turn, rule: EmergencyRuleData): Promise<IntakeResult> {
  const { db, reference, replies, local } = h;
  const { row, now, text } = turn;
  // The local classifier only: an emergency never waits on a network call.
  const local_ = await local.classify({ text }, reference.catalogue);
  const matter = local_.matterCode ? reference.catalogue.byCode.get(local_.matterCode) ?? null : null;
  const { place, attachmentIds } = await h.mediaTurns.placeAndMedia(turn);
  return db.$transaction(async (tx) => {
    const created = await openCaseFor(h, tx, turn, place, {
      matter,
      urgency: "emergency",
      status: matter ? "accepted" : "needs_review",
      classification: { source: "rule", rule: rule.code },
      missingInfo: [],
    }, attachmentIds);
    await recordEvent(tx, created.id, { type: "emergency_detected", actor: "bot", note: rule.name, data: { rule: rule.code, hotline: rule.hotline }, now });
    // The reply goes first in the outbox; the grid's and the community's duty contacts hear at once.
    const reply = await h.out.reply(tx, row, now, replies.render("emergency", { advice: rule.advice, case_number: created.number }), created.id, "emergency");
    const alert = replies.render("area_emergency", { rule: rule.name, case_number: created.number, location: place.location ?? "未说明", appeal: text, hotline: rule.hotline });
    const areas = place.gridId ? [place.gridId, ...(await escalationChain(db, place.gridId)).slice(0, 1)] : await escalationChain(db, null);
    for (const areaId of areas) {
      await notifyArea(tx, areaId, { caseId: created.id, text: alert, kind: "emergency_alert", now, dedupeKey: `emergency:${created.id}:a${areaId}` });
    }
    const final = created.status === "accepted" && created.leadUnitId ? await h.cases.act(created.id, { action: "dispatch", actor: "bot", now }, tx) : created;
    return h.out.finish(tx, row, now, { outcome: "emergency", replies: [reply], case: caseSummary(final) }, created.id);
  });
}

/** A voice message nobody could turn into words: a case for a worker to listen to. */
export async function openVoicePending(h: AppealDeps, turn: Turn): Promise<IntakeResult> {
  const { db, replies } = h;
  const { row, now } = turn;
  const { place, attachmentIds } = await h.mediaTurns.placeAndMedia(turn);
  return db.$transaction(async (tx) => {
    const created = await openCaseFor(
      h,
      tx,
      { ...turn, text: VOICE_PENDING_TEXT },
      place,
      { matter: null, urgency: "normal", status: "needs_review", classification: { source: "pending", reason: "语音待转写" }, missingInfo: [] },
      attachmentIds,
    );
    await recordEvent(tx, created.id, { type: "voice_pending", actor: "bot", note: "语音待转写：请在工作台收听后补录文字", now });
    const reply = await h.out.reply(tx, row, now, replies.render("voice_pending", { case_number: created.number }), created.id);
    return h.out.finish(tx, row, now, { outcome: "appeal", replies: [reply], case: caseSummary(created) }, created.id);
  });
}

/** Opens the case of this turn, with the photos, pins and voice that belong to it. */
async function openCaseFor(
  h: AppealDeps,
  tx: Tx,
  turn: Turn,
  place: Place,
  details: Pick<OpenCaseProps, "matter" | "urgency" | "status" | "classification" | "missingInfo">,
  attachmentIds: number[] = [],
) {
  const { row } = turn;
  const created = await openCase(tx, {
    number: await reserveCaseNumber(h.db, turn.now),
    now: turn.now,
    text: turn.text,
    location: place.location,
    channel: row.channel,
    chatId: row.chatId,
    isGroup: row.isGroup,
    residentId: turn.residentId,
    inboundId: row.id,
    // The handler's finish writes the message's case, in this transaction.
    linkInbound: false,
    gridId: place.gridId,
    buildingId: place.buildingId,
    calendar: h.calendar,
    listVersionId: h.reference.listVersionId,
    ...details,
  });
  await h.media.attach(tx, created.id, attachmentIds, turn.now);
  return created;
}
