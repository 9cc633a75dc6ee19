// The intake pipeline, the same for every channel: store the message → is it for the bot? → what is it
// (emergency, answer to our question, case query, small talk, appeal) → classify → open the case → queue replies.
import type { Db, Prisma } from "../db.ts";
import { isUniqueViolation } from "../db.ts";
import type { Logger } from "../log.ts";
import { inboundMessageSchema, type InboundMessage, type InboundMessageInput } from "../channels/types.ts";
import { MediaService } from "../media/service.ts";
import { releaseUndeliverable } from "../outbox.ts";
import { MediaTurns } from "./mediaTurns.ts";
import { caseSummary, Responder } from "./respond.ts";
import { handleUnitCommand } from "./unitCommands.ts";
import { answerCaseQuery, listResidentCases } from "./caseQueries.ts";
import type { IntakeResult, Place, Row, Turn } from "./types.ts";
import type { Classifier } from "../classify/types.ts";
import { knownQuestions } from "../classify/questions.ts";
import type { ReferenceData } from "../reference.ts";
import type { WorkCalendar } from "../domain/deadlines.ts";
import type { CaseStatus } from "../domain/case.ts";
import { wellFormedStrings } from "../domain/text.ts";
import { findLocation } from "../domain/location.ts";
import { formatChinaDateTime } from "../domain/time.ts";
import { openCase, type OpenCaseProps } from "./openCase.ts";
import type { Replies } from "../texts/replies.ts";
import type { CaseService } from "../cases/service.ts";
import type { SettingsStore } from "../settings.ts";
import { saysNotSolved, type SatisfactionReader } from "../followup/satisfaction.ts";
import { notifyArea } from "../followup/notify.ts";
import { escalationChain, findGroup, placeOf } from "../org/areas.ts";
import { answerSurvey, reopenOnComplaint } from "./survey.ts";
import {
  detectEmergency,
  quotedCaseNumber,
  recogniseSmallTalk,
  stripAddress,
  type EmergencyRuleData,
} from "./recognise.ts";

/** A voice case's text until a worker writes down what it says. */
export const VOICE_PENDING_TEXT = "（语音消息，待转写）";

export interface IntakeSettings {
  botName: string;
  triggerPrefixes: string[];
  reviewConfidence: number;
  questionTtlHours: number;
}

export interface IntakeDeps {
  db: Db;
  log: Logger;
  settings: IntakeSettings;
  classifier: Classifier;
  /** The classifier that needs no network (emergencies, telling answers from new appeals). */
  local: Classifier;
  reference: ReferenceData;
  calendar: WorkCalendar;
  replies: Replies;
  cases: CaseService;
  runtimeSettings: SettingsStore;
  satisfaction: SatisfactionReader;
  /** Whether a channel answers inside its request (HTTP) rather than from the outbox (WeChat, simulator). */
  answersInRequest: (channel: string) => boolean;
  /** How long a channel holds replies for its callback's passive answer (the 服务号), in ms; 0 for the others. */
  replyHoldMs: (channel: string) => number;
  /** Whether a channel reaches people only within a window after their last message (held messages are released). */
  hasReplyWindow: (channel: string) => boolean;
  media: MediaService;
}

type Tx = Prisma.TransactionClient;

type Question = Prisma.PendingQuestionGetPayload<{ include: { case: true } }>;

export class Intake {
  private readonly inflight = new Map<string, Promise<IntakeResult>>();
  private readonly mediaTurns: MediaTurns;
  private readonly out: Responder;
  /** What the handlers in their own modules need: the intake's deps and its Responder. */
  private readonly handlers: IntakeDeps & { botName: string; out: Responder };

  constructor(private readonly deps: IntakeDeps) {
    this.out = new Responder(deps);
    this.handlers = { ...deps, botName: deps.settings.botName, out: this.out };
    this.mediaTurns = new MediaTurns({
      db: deps.db,
      media: deps.media,
      replies: deps.replies,
      settings: deps.runtimeSettings,
      out: this.out,
    });
  }

  /** Takes one message from a channel. The same message id again returns the first answer and does nothing else. */
  receive(input: InboundMessageInput, now: Date): Promise<IntakeResult> {
    // Broken text (a lone surrogate, a NUL) is mended before anything is stored, so the message is never lost to it.
    // The channel's raw payload is kept as it came (stored as JSON, where such characters are escaped).
    const { raw, ...words } = input;
    const message = inboundMessageSchema.parse({ ...wellFormedStrings(words), raw });
    const key = `${message.channel}\u0000${message.messageId}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.receiveOnce(message, now).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async receiveOnce(m: InboundMessage, now: Date): Promise<IntakeResult> {
    const { db } = this.deps;
    let row: Row;
    try {
      // The message and what it brings (a photo, a voice message, a pin) are stored together, before anything else.
      row = await db.$transaction(async (tx) => {
        const created = await tx.inboundMessage.create({
          data: {
            channel: m.channel,
            messageId: m.messageId,
            chatId: m.chatId,
            chatName: m.chatName,
            isGroup: m.isGroup,
            senderId: m.senderId,
            senderName: m.senderName,
            kind: m.kind,
            text: m.text,
            mentionsBot: m.mentionsBot,
            raw: (m.raw ?? { ...m, media: m.media ? { ...m.media, data: undefined } : undefined, raw: undefined }) as Prisma.InputJsonValue,
            receivedAt: now,
          },
        });
        const attachments = MediaService.rowsFor(m, created.id, now);
        if (attachments.length) await tx.attachment.createMany({ data: attachments });
        return created;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      row = await this.deps.db.inboundMessage.findUniqueOrThrow({
        where: { channel_messageId: { channel: m.channel, messageId: m.messageId } },
      });
      if (row.result) return row.result as unknown as IntakeResult;
      // Stored but never answered: the process stopped half-way. Finish it now.
      return this.process(row, now);
    }
    if (m.media?.data) {
      const [own] = await db.attachment.findMany({ where: { inboundId: row.id, kind: m.media.kind }, take: 1 });
      if (own) await this.deps.media.storeInline(own.id, m.media.data, now);
    }
    // They wrote again: what could not reach them before may now.
    if (this.deps.hasReplyWindow(row.channel)) await releaseUndeliverable(db, row, now);
    return this.process(row, now);
  }

  /** Processes a stored message; also used at start-up for messages a crash left unanswered. */
  async process(row: Row, now: Date): Promise<IntakeResult> {
    try {
      return await this.decide(row, now);
    } catch (err) {
      this.deps.log.error({ err, inboundId: row.id, channel: row.channel }, "intake failed; message kept as failed");
      return this.deps.db.$transaction(async (tx) => {
        const replies = [await this.out.reply(tx, row, now, this.deps.replies.render("failed"))];
        const result: IntakeResult = { outcome: "failed", replies };
        await tx.inboundMessage.update({
          where: { id: row.id },
          data: { status: "failed", outcome: "failed", error: String((err as Error).stack ?? err).slice(0, 2000), result: result as unknown as Prisma.InputJsonValue, processedAt: now },
        });
        return result;
      });
    }
  }

  private async decide(row: Row, now: Date): Promise<IntakeResult> {
    const { db, settings, reference } = this.deps;
    await reference.fresh();
    await this.deps.replies.fresh(db);
    // A unit's own work chat: its staff act on cases here ("2026-000123 已办结 已更换灯泡").
    // A member writes from their own chat: they act for the unit, but hear through its group.
    const unitContact = await db.unitContact.findFirst({
      where: { kind: row.isGroup ? "room" : { in: ["contact", "member"] }, channel: row.channel, address: row.chatId },
      include: { unit: true },
    });
    if (unitContact) return handleUnitCommand(this.handlers, row, now, unitContact.unit);
    if (row.kind === "event") return this.handleEvent(row, now);

    const group = row.isGroup ? await findGroup(this.deps.db, row) : null;
    if (row.isGroup && !group) {
      return this.out.finish(db, row, now, {
        outcome: "ignored",
        replies: [],
        ignored: { reason: "group_not_served", message: "该群不在服务名单中，消息已记录但不处理" },
      });
    }
    const prefixes = (await this.deps.runtimeSettings.current()).triggerPrefixes ?? settings.triggerPrefixes;
    const stripped = stripAddress(row.text, settings.botName, prefixes);
    const text = stripped.text;
    const resident = await db.resident.upsert({
      where: { channel_externalId: { channel: row.channel, externalId: row.senderId } },
      create: { channel: row.channel, externalId: row.senderId, displayName: row.senderName },
      update: row.senderName ? { displayName: row.senderName } : {},
    });
    const turn: Turn = { row, now, text, group, residentId: resident.id };
    // A group kept for appeals may take every message as for the bot.
    const explicitlyAddressed = !row.isGroup || row.mentionsBot || stripped.mentioned || stripped.prefixed || group?.mentionRequired === false;
    const question = await db.pendingQuestion.findFirst({
      where: { channel: row.channel, chatId: row.chatId, senderId: row.senderId, answeredAt: null, expiresAt: { gt: now } },
      orderBy: { id: "desc" },
      include: { case: true },
    });

    // A photo, a pin or a voice message without words: kept, and paired with the words that explain it.
    if (row.kind === "image" || row.kind === "location" || row.kind === "unsupported" || (row.kind === "voice" && !text)) {
      // In a group nobody @mentions with a photo: it waits for its sender's words, unanswered.
      if (!explicitlyAddressed) return this.out.finish(db, row, now, { outcome: "not_addressed", replies: [] });
      if (row.kind === "unsupported") {
        return db.$transaction(async (tx) => this.out.finish(tx, row, now, { outcome: "chat", replies: [await this.out.reply(tx, row, now, this.deps.replies.render("unsupported"))] }));
      }
      if (row.kind === "location" && question?.kind === "missing_info") return this.completeFromAnswer(turn, question.id, question.case);
      if (row.kind === "image" || row.kind === "location") return this.mediaTurns.photoOrPin(turn);
      const heard = await this.mediaTurns.listen(turn);
      if (!heard) return this.openVoicePending(turn);
      turn.text = heard;
    }
    return this.decideWords(turn, question, explicitlyAddressed);
  }

  /** What a message's words are for: an emergency, an answer, a case number, small talk, or a new appeal. */
  private async decideWords(turn: Turn, question: Question | null, explicitlyAddressed: boolean): Promise<IntakeResult> {
    const { db, settings, reference } = this.deps;
    const { row, now, text } = turn;
    // Danger first, and even in a group message not addressed to the bot.
    const emergency = detectEmergency(text, reference.emergencyRules);
    if (emergency) return this.openEmergency(turn, emergency);
    if (question?.kind === "survey") {
      const answered = await answerSurvey(this.handlers, turn, question.id, question.case.id, explicitlyAddressed);
      if (answered) return answered;
    } else if (question && (await this.answersQuestion(text, question.case.matterId))) {
      return this.completeFromAnswer(turn, question.id, question.case);
    }
    if (!explicitlyAddressed) return this.out.finish(db, row, now, { outcome: "not_addressed", replies: [] });

    const quoted = quotedCaseNumber(text);
    if (saysNotSolved(text)) {
      const reopened = await reopenOnComplaint(this.handlers, turn, quoted);
      if (reopened) return reopened;
    }
    if (quoted) return answerCaseQuery(this.handlers, turn, quoted);
    const talk = recogniseSmallTalk(text);
    if (talk === "my_cases") return listResidentCases(this.handlers, turn);
    if (talk) {
      const reply = this.deps.replies.render(talk, { bot_name: settings.botName });
      return db.$transaction(async (tx) => this.out.finish(tx, row, now, { outcome: "chat", replies: [await this.out.reply(tx, row, now, reply)] }));
    }
    return this.openAppeal(turn);
  }

  private async openAppeal(turn: Turn): Promise<IntakeResult> {
    const { db, settings, reference, classifier, replies } = this.deps;
    const { row, now, text, group } = turn;
    const catalogue = reference.catalogue;
    // The sender's name is masked with the rest of their personal data before the appeal goes to the LLM.
    const classification = await classifier.classify({ text, names: [row.senderName], context: group ? `微信群“${group.name}”` : "私聊" }, catalogue);
    const matter = classification.matterCode ? catalogue.byCode.get(classification.matterCode) ?? null : null;
    const status: CaseStatus = matter && classification.confidence >= settings.reviewConfidence ? "accepted" : "needs_review";
    const { place, attachmentIds } = await this.mediaTurns.placeAndMedia(turn);
    // Codes of the question catalogue only (whatever classifier answered); a pin already says where.
    const missingInfo = knownQuestions(classification.missingInfo).filter((code) => !(place.pinned && code === "location"));

    return db.$transaction(async (tx) => {
      const created = await this.openCaseFor(tx, turn, place, {
        // A low-confidence matter is kept as the bot's suggestion for the worker who reviews the case.
        matter,
        urgency: classification.urgency,
        status,
        classification,
        missingInfo,
      }, attachmentIds);
      const lines = [
        status === "accepted"
          ? replies.render("appeal_accepted", {
              case_number: created.number,
              matter_name: matter!.name,
              lead_unit: matter!.leadUnit?.name ?? "社区工作人员",
              cooperating: matter!.cooperatingUnits.length ? `（配合：${matter!.cooperatingUnits.map((u) => u.name).join("、")}）` : "",
              response_due: formatChinaDateTime(created.responseDueAt!),
              resolve_due: formatChinaDateTime(created.resolveDueAt!),
            })
          : replies.render("appeal_needs_review", { case_number: created.number }),
      ];
      if (missingInfo.length) {
        // The service's own wording of each question: nothing the model wrote reaches the resident.
        lines.push(replies.render("ask_missing", { missing: replies.questions(missingInfo) }));
        await tx.pendingQuestion.create({
          data: {
            caseId: created.id,
            channel: row.channel,
            chatId: row.chatId,
            senderId: row.senderId,
            kind: "missing_info",
            asked: missingInfo,
            createdAt: now,
            expiresAt: new Date(now.getTime() + settings.questionTtlHours * 3600_000),
          },
        });
      }
      const reply = await this.out.reply(tx, row, now, lines.join("\n"), created.id);
      // The resident is answered first; then the case goes to the lead unit.
      const runtime = await this.deps.runtimeSettings.current();
      const dispatched =
        status === "accepted" && runtime.autoDispatch && matter?.leadUnit
          ? await this.deps.cases.act(created.id, { action: "dispatch", actor: "bot", now }, tx)
          : created;
      return this.out.finish(tx, row, now, {
        outcome: "appeal",
        replies: [reply],
        case: caseSummary(dispatched),
      }, created.id);
    });
  }

  private async openEmergency(turn: Turn, rule: EmergencyRuleData): Promise<IntakeResult> {
    const { db, reference, replies, local } = this.deps;
    const { row, now, text } = turn;
    // The local classifier only: an emergency never waits on a network call.
    const local_ = await local.classify({ text }, reference.catalogue);
    const matter = local_.matterCode ? reference.catalogue.byCode.get(local_.matterCode) ?? null : null;
    const { place, attachmentIds } = await this.mediaTurns.placeAndMedia(turn);
    return db.$transaction(async (tx) => {
      const created = await this.openCaseFor(tx, turn, place, {
        matter,
        urgency: "emergency",
        status: matter ? "accepted" : "needs_review",
        classification: { source: "rule", rule: rule.code },
        missingInfo: [],
      }, attachmentIds);
      await tx.caseEvent.create({
        data: { caseId: created.id, type: "emergency_detected", actor: "bot", note: rule.name, data: { rule: rule.code, hotline: rule.hotline }, createdAt: now },
      });
      // The reply goes first in the outbox; the grid's and the community's duty contacts hear at once.
      const reply = await this.out.reply(tx, row, now, replies.render("emergency", { advice: rule.advice, case_number: created.number }), created.id, "emergency");
      const alert = replies.render("area_emergency", { rule: rule.name, case_number: created.number, location: place.location ?? "未说明", appeal: text, hotline: rule.hotline });
      const areas = place.gridId ? [place.gridId, ...(await escalationChain(db, place.gridId)).slice(0, 1)] : await escalationChain(db, null);
      for (const areaId of areas) {
        await notifyArea(tx, areaId, { caseId: created.id, text: alert, kind: "emergency_alert", now, dedupeKey: `emergency:${created.id}:a${areaId}` });
      }
      const final = matter?.leadUnit ? await this.deps.cases.act(created.id, { action: "dispatch", actor: "bot", now }, tx) : created;
      return this.out.finish(tx, row, now, { outcome: "emergency", replies: [reply], case: caseSummary(final) }, created.id);
    });
  }

  private async completeFromAnswer(turn: Turn, questionId: number, kase: { id: number; number: string; location: string | null; status: string; matterId: number | null }): Promise<IntakeResult> {
    const { db, replies } = this.deps;
    const { row, now, text, group } = turn;
    const place = await placeOf(this.deps.db, text, group);
    return db.$transaction(async (tx) => {
      await tx.pendingQuestion.update({ where: { id: questionId }, data: { answeredAt: now } });
      const location = [kase.location, text].filter(Boolean).join("；");
      const updated = await tx.case.update({
        where: { id: kase.id },
        data: {
          location,
          missingInfo: [],
          ...(place.buildingId ? { buildingId: place.buildingId } : {}),
          ...(place.gridId ? { gridId: place.gridId } : {}),
        },
        include: { matter: true, leadUnit: true },
      });
      await tx.caseEvent.create({ data: { caseId: kase.id, type: "info_completed", actor: "resident", note: text, data: { inboundId: row.id }, createdAt: now } });
      await tx.inboundMessage.update({ where: { id: row.id }, data: { caseId: kase.id } });
      // An answer given as a location pin stays with the case.
      await this.deps.media.attach(tx, kase.id, (await tx.attachment.findMany({ where: { inboundId: row.id }, select: { id: true } })).map((a) => a.id), now);
      const reply = await this.out.reply(tx, row, now, replies.render("info_completed", { case_number: kase.number }), kase.id);
      return this.out.finish(tx, row, now, {
        outcome: "answer",
        replies: [reply],
        case: caseSummary(updated),
      }, kase.id);
    });
  }

  /** Opens the case of this turn, with the photos, pins and voice that belong to it. */
  private async openCaseFor(
    tx: Tx,
    turn: Turn,
    place: Place,
    details: Pick<OpenCaseProps, "matter" | "urgency" | "status" | "classification" | "missingInfo">,
    attachmentIds: number[] = [],
  ) {
    const { row } = turn;
    const created = await openCase(tx, {
      now: turn.now,
      text: turn.text,
      location: place.location,
      channel: row.channel,
      chatId: row.chatId,
      isGroup: row.isGroup,
      residentId: turn.residentId,
      inboundId: row.id,
      gridId: place.gridId,
      buildingId: place.buildingId,
      calendar: this.deps.calendar,
      listVersionId: this.deps.reference.listVersionId,
      ...details,
    });
    await this.deps.media.attach(tx, created.id, attachmentIds, turn.now);
    return created;
  }

  /** A voice message nobody could turn into words: a case for a worker to listen to. */
  private async openVoicePending(turn: Turn): Promise<IntakeResult> {
    const { db, replies } = this.deps;
    const { row, now } = turn;
    const { place, attachmentIds } = await this.mediaTurns.placeAndMedia(turn);
    return db.$transaction(async (tx) => {
      const created = await this.openCaseFor(
        tx,
        { ...turn, text: VOICE_PENDING_TEXT },
        place,
        { matter: null, urgency: "normal", status: "needs_review", classification: { source: "pending", reason: "语音待转写" }, missingInfo: [] },
        attachmentIds,
      );
      await tx.caseEvent.create({ data: { caseId: created.id, type: "voice_pending", actor: "bot", note: "语音待转写：请在工作台收听后补录文字", createdAt: now } });
      const reply = await this.out.reply(tx, row, now, replies.render("voice_pending", { case_number: created.number }), created.id);
      return this.out.finish(tx, row, now, { outcome: "appeal", replies: [reply], case: caseSummary(created) }, created.id);
    });
  }

  /** A follow event of the 服务号: the welcome on subscribe; other events are kept and not answered. */
  private async handleEvent(row: Row, now: Date): Promise<IntakeResult> {
    const { db, replies, settings } = this.deps;
    const raw = (row.raw ?? {}) as { Event?: unknown; event?: unknown };
    const event = String(raw.Event ?? raw.event ?? "").toLowerCase();
    if (event !== "subscribe") return this.out.finish(db, row, now, { outcome: "ignored", replies: [], ignored: { reason: "event", message: `事件 ${event || "未知"} 已记录` } });
    return db.$transaction(async (tx) => this.out.finish(tx, row, now, { outcome: "chat", replies: [await this.out.reply(tx, row, now, replies.render("welcome", { bot_name: settings.botName }))] }));
  }

  /** The resident's answer to the satisfaction survey. Null when the message is not an answer. */
  /**
   * Whether a message from someone we asked where the problem is reads as the answer rather than something new:
   * it names a place, is not small talk or a case number, and is not clearly about another matter.
   */
  private async answersQuestion(text: string, caseMatterId: number | null): Promise<boolean> {
    if (findLocation(text) === null || recogniseSmallTalk(text) !== null || quotedCaseNumber(text) !== null) return false;
    const { reference, settings, local } = this.deps;
    const other = await local.classify({ text }, reference.catalogue);
    const otherMatter = other.matterCode ? reference.catalogue.byCode.get(other.matterCode) : undefined;
    return !(otherMatter && otherMatter.id !== caseMatterId && other.confidence >= settings.reviewConfidence);
  }


}
