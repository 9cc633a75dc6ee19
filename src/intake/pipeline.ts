// The intake, the same for every channel: receive (store the message and what it brings, once) → route (a unit's
// chat? a group we serve? for the bot? a photo, an emergency, an answer, a case number, small talk?) → the handler,
// each in its own module: appeal.ts (appeal, emergency, voice), answer.ts, survey.ts, caseQueries.ts,
// unitCommands.ts, mediaTurns.ts. Every handler answers through respond.ts.
import type { Prisma } from "../db.ts";
import { isUniqueViolation } from "../db.ts";
import { inboundMessageSchema, type InboundMessage, type InboundMessageInput } from "../channels/types.ts";
import { MediaService } from "../media/service.ts";
import { releaseUndeliverable } from "../outbox.ts";
import { wellFormedStrings } from "../domain/text.ts";
import { saysNotSolved } from "../followup/satisfaction.ts";
import { findGroup } from "../org/areas.ts";
import { contactsAtChat, directoryOf } from "../org/directory.ts";
import { MediaTurns, photoWindowStart } from "./mediaTurns.ts";
import { Responder } from "./respond.ts";
import { handleUnitCommand } from "./unitCommands.ts";
import { handleHelperCommand } from "./volunteerCommands.ts";
import { answerCaseQuery, listResidentCases } from "./caseQueries.ts";
import { answerSurvey, reopenOnComplaint } from "./survey.ts";
import { openAppeal, openEmergency, openVoicePending, type AppealDeps } from "./appeal.ts";
import { answersQuestion, completeFromAnswer } from "./answer.ts";
import { detectEmergency, quotedCaseNumber, recogniseSmallTalk, stripAddress } from "./recognise.ts";
import { answerPlaceQuestionTurn } from "./placeQuestions.ts";
import { bookingTurn, handleStaffCommand } from "./bookings.ts";
import type { IntakeDeps, IntakeResult, Row, Turn } from "./types.ts";
import { awaitAnswer, claimMessage, processingLease, unclaimedMessages } from "./claims.ts";
import { insertInbound, type OpenQuestion } from "./inboundSql.ts";
import { InboundWrites, type Waiting } from "./groupCommit.ts";

export type { IntakeDeps, IntakeSettings } from "./types.ts";

type Question = OpenQuestion & { case: Prisma.CaseGetPayload<object> };

export class Intake {
  private readonly inflight = new Map<string, Promise<IntakeResult>>();
  private readonly writes: InboundWrites;
  private readonly mediaTurns: MediaTurns;
  private readonly out: Responder;
  /** What the handlers in their own modules need: the intake's deps, its Responder and its media turns. */
  private readonly handlers: IntakeDeps & AppealDeps & { botName: string };

  constructor(private readonly deps: IntakeDeps) {
    this.out = new Responder(deps);
    this.writes = new InboundWrites(deps.db);
    this.mediaTurns = new MediaTurns({
      db: deps.db,
      media: deps.media,
      replies: deps.replies,
      settings: deps.runtimeSettings,
      out: this.out,
    });
    this.handlers = { ...deps, botName: deps.settings.botName, out: this.out, mediaTurns: this.mediaTurns };
  }

  /**
   * Takes one message from a channel. The same message id again returns the first answer and does nothing else: in
   * this process it waits for the first, on another instance it waits for the claim in the database (claims.ts).
   */
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
    let row: Row | null;
    try {
      // The message and what it brings (a photo, a voice message, a pin) are stored together, before anything else.
      const stored = {
        channel: m.channel,
        messageId: m.messageId,
        chatId: m.chatId,
        chatName: m.chatName ?? null,
        isGroup: m.isGroup,
        senderId: m.senderId,
        senderName: m.senderName ?? null,
        kind: m.kind,
        text: m.text,
        mentionsBot: m.mentionsBot,
        raw: m.raw ?? { ...m, media: m.media ? { ...m.media, data: undefined } : undefined, raw: undefined },
        receivedAt: now,
        // Stored already claimed: whoever stores a message processes it.
        ...processingLease(now),
      };
      // Words alone go in one statement with the others of this turn (groupCommit.ts; null: stored before); a
      // photo, a voice message or a pin is stored with it in one transaction.
      row = MediaService.rowsFor(m, 0, now).length
        ? await db.$transaction(async (tx) => {
            const created = await insertInbound(tx, stored);
            const attachments = MediaService.rowsFor(m, created.id, now);
            if (attachments.length) await tx.attachment.createMany({ data: attachments });
            return created;
          })
        : await this.writes.insert(stored);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      row = null;
    }
    if (!row) {
      row = await this.deps.db.inboundMessage.findUniqueOrThrow({
        where: { channel_messageId: { channel: m.channel, messageId: m.messageId } },
      });
      if (row.result) return row.result as unknown as IntakeResult;
      // Stored but never answered: nobody holds it (the instance that stored it died half-way), so finish it now;
      // or another instance is at it, and its answer is this one's too.
      if (await claimMessage(db, row.id, now)) return this.process(row, now);
      return awaitAnswer(db, row.id);
    }
    if (m.media?.data) {
      const [own] = await db.attachment.findMany({ where: { inboundId: row.id, kind: m.media.kind }, take: 1 });
      if (own) await this.deps.media.storeInline(own.id, m.media.data, now);
    }
    // They wrote again: what could not reach them before may now.
    if (this.deps.hasReplyWindow(row.channel)) await releaseUndeliverable(db, row, now);
    return this.process(row, now);
  }

  /**
   * Answers stored messages nobody holds (a crash, an instance that died): at start and periodically on every
   * instance. Each is claimed first, so instances running this at once take different ones. Returns how many.
   */
  async recover(now: Date, batch = 100): Promise<number> {
    let answered = 0;
    for (;;) {
      const rows = await unclaimedMessages(this.deps.db, now, batch);
      let took = 0;
      for (const row of rows) {
        if (!(await claimMessage(this.deps.db, row.id, now))) continue; // another instance's pass took it
        await this.process(row, now);
        took++;
      }
      answered += took;
      if (rows.length < batch || took === 0) return answered;
    }
  }

  /** Processes a stored message this instance has claimed. */
  private async process(row: Row, now: Date): Promise<IntakeResult> {
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
    const directory = await directoryOf(db);
    const unitContact = contactsAtChat(directory.unitContactsAt, row)[0];
    const unit = unitContact && directory.units.get(unitContact.unitId);
    if (unit) return handleUnitCommand(this.handlers, row, now, unit);
    // A service place's staff chat: its bookings are confirmed, moved, declined and done here ("YY2026-000001 确认").
    const staffed = await handleStaffCommand(this.handlers, row, now);
    if (staffed) return staffed;
    // A volunteer's or a 党员中心户's command in their own chat ("认领 2026-000123"); anything else they write is a resident's.
    const helped = await handleHelperCommand(this.handlers, row, now);
    if (helped) return helped;
    if (row.kind === "event") return this.handleEvent(row, now);

    const group = row.isGroup ? await findGroup(this.deps.db, row) : null;
    if (row.isGroup && !group) {
      return this.out.finish(db, row, now, {
        outcome: "ignored",
        replies: [],
        ignored: { reason: "group_not_served", message: "该群不在服务名单中，消息已记录但不处理" },
      });
    }
    const runtime = await this.deps.runtimeSettings.current();
    const stripped = stripAddress(row.text, settings.botName, runtime.triggerPrefixes ?? settings.triggerPrefixes);
    const text = stripped.text;
    // A group kept for appeals may take every message as for the bot.
    const explicitlyAddressed = !row.isGroup || row.mentionsBot || stripped.mentioned || stripped.prefixed || group?.mentionRequired === false;
    // A message for the bot needs its sender as a resident too: looked up together.
    const since = photoWindowStart(runtime, now);
    const waiting: Waiting & { residentId?: number } = explicitlyAddressed ? await this.writes.waitingAsResident(row, now, since) : await this.writes.waiting(row, now, since);
    const open = waiting.question;
    // Group chatter — words not for the bot, no question of ours open, no danger — is kept and not answered.
    if (!explicitlyAddressed && !open && row.kind === "text" && !detectEmergency(text, reference.emergencyRules)) {
      return this.writes.finishUnanswered(row, now);
    }
    const question = open ? { ...open, case: await db.case.findUniqueOrThrow({ where: { id: open.caseId } }) } : null;
    const turn: Turn = { row, now, text, group, residentId: waiting.residentId ?? (await this.writes.resident(row, now)), mediaWaiting: waiting.media };

    // A photo, a pin or a voice message without words: kept, and paired with the words that explain it.
    if (row.kind === "image" || row.kind === "location" || row.kind === "unsupported" || (row.kind === "voice" && !text)) {
      // In a group nobody @mentions with a photo: it waits for its sender's words, unanswered.
      if (!explicitlyAddressed) return this.out.finish(db, row, now, { outcome: "not_addressed", replies: [] });
      if (row.kind === "unsupported") {
        return db.$transaction(async (tx) => this.out.finish(tx, row, now, { outcome: "chat", replies: [await this.out.reply(tx, row, now, this.deps.replies.render("unsupported"))] }));
      }
      if (row.kind === "location" && question?.kind === "missing_info") return completeFromAnswer(this.handlers, turn, question.id, question.case);
      if (row.kind === "image" || row.kind === "location") return this.mediaTurns.photoOrPin(turn);
      const heard = await this.mediaTurns.listen(turn);
      if (!heard) return openVoicePending(this.handlers, turn);
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
    if (emergency) return openEmergency(this.handlers, turn, emergency);
    if (question?.kind === "survey") {
      const answered = await answerSurvey(this.handlers, turn, question.id, question.case.id, explicitlyAddressed);
      if (answered) return answered;
    } else if (question && (await answersQuestion(this.handlers, text, question.case.matterId))) {
      return completeFromAnswer(this.handlers, turn, question.id, question.case);
    }
    if (!explicitlyAddressed) return this.out.finish(db, row, now, { outcome: "not_addressed", replies: [] });

    // A booking of a place's service, or the resident's word on one (确认, 取消预约 YY…, a rating): before case numbers.
    const booking = await bookingTurn(this.handlers, turn);
    if (booking) return booking;
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
    // A question about a service place (老年食堂几点开饭) is answered from the data, without a case.
    const placeAnswer = await answerPlaceQuestionTurn(this.handlers, turn);
    if (placeAnswer) return placeAnswer;
    return openAppeal(this.handlers, turn);
  }

  /** A follow event of the 服务号: the welcome on subscribe; other events are kept and not answered. */
  private async handleEvent(row: Row, now: Date): Promise<IntakeResult> {
    const { db, replies, settings } = this.deps;
    const raw = (row.raw ?? {}) as { Event?: unknown; event?: unknown };
    const event = String(raw.Event ?? raw.event ?? "").toLowerCase();
    if (event !== "subscribe") return this.out.finish(db, row, now, { outcome: "ignored", replies: [], ignored: { reason: "event", message: `事件 ${event || "未知"} 已记录` } });
    return db.$transaction(async (tx) => this.out.finish(tx, row, now, { outcome: "chat", replies: [await this.out.reply(tx, row, now, replies.render("welcome", { bot_name: settings.botName }))] }));
  }
}
