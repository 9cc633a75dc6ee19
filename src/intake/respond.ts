// How the intake answers a stored message: the reply queued in the chat it came from, and the message's outcome
// recorded with it. Every handler ends here.
import type { Db, Prisma } from "../db.ts";
import { queueMessageLater } from "../outbox.ts";
import { finishInbound, statusOf } from "./inboundSql.ts";
import type { IntakeResult, Row } from "./types.ts";

type Tx = Prisma.TransactionClient;

export interface ReplyChannels {
  /** Whether a channel answers inside its request (HTTP) rather than from the outbox (WeChat, simulator). */
  answersInRequest: (channel: string) => boolean;
  /** How long a channel holds replies for its callback's passive answer (the 服务号), in ms; 0 for the others. */
  replyHoldMs: (channel: string) => number;
}

export class Responder {
  constructor(private readonly channels: ReplyChannels) {}

  /** Queues the reply in the chat the message came from, mentioning the sender in a group. */
  async reply(tx: Tx, row: Row, now: Date, text: string, caseId?: number, kind = "reply") {
    const hold = this.channels.replyHoldMs(row.channel);
    const mentions = row.isGroup ? [{ id: row.senderId, name: row.senderName ?? undefined }] : [];
    const queued = await queueMessageLater(tx, {
      channel: row.channel,
      chatId: row.chatId,
      isGroup: row.isGroup,
      text,
      mentions,
      caseId,
      inReplyTo: row.id,
      kind,
      now,
      // Channels that answer inside their request deliver the reply with the stored result.
      deliveredNow: this.channels.answersInRequest(row.channel),
      // The 服务号's callback may answer it passively; until then the dispatcher leaves it.
      ...(hold ? { sendAfter: new Date(now.getTime() + hold) } : {}),
    });
    return { chatId: row.chatId, text: queued, ...(row.isGroup ? { mentions: [row.senderId] } : {}) };
  }

  /** Records what became of the message (its outcome and answer), so a repeat returns the same. */
  async finish(tx: Tx | Db, row: Row, now: Date, result: IntakeResult, caseId?: number): Promise<IntakeResult> {
    await finishInbound(tx, row.id, { status: statusOf(result.outcome), outcome: result.outcome, result, now, caseId });
    return result;
  }

  /** One reply and the outcome, in one transaction: how most handlers end. */
  answer(db: Db, row: Row, now: Date, outcome: IntakeResult["outcome"], text: string, caseId?: number): Promise<IntakeResult> {
    return db.$transaction(async (tx) => this.finish(tx, row, now, { outcome, replies: [await this.reply(tx, row, now, text, caseId)] }, caseId));
  }
}
