// Outbound messages: queued in the database first, then sent by the dispatcher through the retry loop (retry.ts),
// which claims each row before sending (on PostgreSQL a batch at a time, FOR UPDATE SKIP LOCKED) so two
// dispatchers never send the same message, and backs off after a failure. A message a channel cannot deliver now
// (WeChat's 48-hour window closed) is kept as undeliverable, shown on the case, and released when the person
// writes again.
import path from "node:path";
import { sqlTime, type Db, type Prisma } from "./db.ts";
import type { Logger } from "./log.ts";
import { UndeliverableError, type Channel, type Mention, type Notice, type OutboundMedia } from "./channels/types.ts";
import { redactPersonalData } from "./domain/redact.ts";
import { afterQuietHours, inQuietHours } from "./domain/quietHours.ts";
import type { MediaFiles } from "./media/files.ts";
import { doublingBackoff, runDue, type RetryPolicy, type RetryQueue } from "./retry.ts";
import { recordEvent } from "./cases/records.ts";
import { claimRows } from "./skipLocked.ts";
import { insertRow, insertRowIfAbsent, insertRowLater, updateRow } from "./rawRows.ts";

type QuietWindow = { start: string; end: string };

type Tx = Prisma.TransactionClient | Db;

export interface QueuedMessage {
  channel: string;
  chatId: string;
  isGroup: boolean;
  text: string;
  mentions?: Mention[];
  caseId?: number | null;
  inReplyTo?: number | null;
  kind?: string;
  /** Proactive message to a resident: held during quiet hours until `sendAfter`. */
  quiet?: boolean;
  sendAfter?: Date;
  /** Scheduled work passes a key, so that a retried job never queues the same message twice. */
  dedupeKey?: string;
  /** Mask personal data; by default in every group. Units' own work groups need the details to act. */
  redact?: boolean;
  /** Delivered by the caller itself (the HTTP channel answers in its response): recorded as sent. */
  deliveredNow?: boolean;
  /** Attachment ids sent after the text (units' chats that carry images; never residents' groups). */
  attachments?: number[];
  /** What a subscription notice says if the chat's window has closed. */
  notice?: Notice;
  now: Date;
}

/** A message's row in the outbox. Anything said in a group passes the personal-data filter, whatever produced it. */
function outboxRow(m: QueuedMessage) {
  return {
    channel: m.channel,
    chatId: m.chatId,
    isGroup: m.isGroup,
    text: (m.redact ?? m.isGroup) ? redactPersonalData(m.text) : m.text,
    mentions: (m.mentions ?? []) as unknown as Prisma.InputJsonArray,
    caseId: m.caseId ?? null,
    inReplyTo: m.inReplyTo ?? null,
    kind: m.kind ?? "reply",
    quiet: m.quiet ?? false,
    dedupeKey: m.dedupeKey ?? null,
    attachments: m.attachments ?? [],
    notice: m.notice as Prisma.InputJsonObject | undefined,
    createdAt: m.now,
    nextAttemptAt: m.sendAfter ?? m.now,
    status: m.deliveredNow ? "sent" : "pending",
    sentAt: m.deliveredNow ? m.now : null,
    via: m.deliveredNow ? "response" : null,
  };
}

/** Queues a message: its row (for a key queued before, the row queued then). */
export async function queueMessage(tx: Tx, m: QueuedMessage): Promise<OutboxRow> {
  const data = outboxRow(m);
  if (!m.dedupeKey) return insertRow(tx, "Outbox", data, () => tx.outbox.create({ data }));
  // A message with a key is queued once: the one queued before stands.
  const queued = await insertRowIfAbsent(tx, "Outbox", "dedupeKey", data, async () => ((await tx.outbox.findUnique({ where: { dedupeKey: m.dedupeKey } })) ? null : tx.outbox.create({ data })));
  return queued ?? tx.outbox.findUniqueOrThrow({ where: { dedupeKey: m.dedupeKey } });
}

/**
 * Queues a message nobody reads back in the transaction, with the transaction's next statement (rawRows.ts
 * insertRowLater): the text as queued (masked where it must be). A key queued before keeps the row queued then.
 */
export async function queueMessageLater(tx: Tx, m: QueuedMessage): Promise<string> {
  const data = outboxRow(m);
  const key = m.dedupeKey;
  await insertRowLater(tx, "Outbox", data, async () => (key && (await tx.outbox.findUnique({ where: { dedupeKey: key } }))) || tx.outbox.create({ data }), key ? "dedupeKey" : undefined);
  return data.text;
}

type OutboxRow = Prisma.OutboxGetPayload<object>;

/** How an attempt that did not throw ended: sent (and how), or kept as undeliverable (and why). */
type Delivery = { via: string | null } | { undeliverable: string };

/** A send's claim holds for a minute; after the 8th failure it is given up; 30 s, 1 min, 2 min … at most an hour between. */
const SEND_RETRY: RetryPolicy = {
  leaseMs: 60_000,
  maxAttempts: 8,
  backoffMs: doublingBackoff(30_000, 3600_000),
  batch: 100,
  drain: false,
};

export class OutboxDispatcher {
  private running: Promise<unknown> | null = null;
  /** The pass that starts when the running one ends, shared by everyone who asked meanwhile (with the latest time). */
  private queued: { now: Date; done: Promise<unknown> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly channels: Map<string, Channel>,
    private readonly log: Logger,
    private readonly quietHours: () => Promise<QuietWindow>,
    private readonly media?: MediaFiles,
  ) {}

  /**
   * Sends what is due. One pass runs at a time in a process; a call during a pass gets the next one, which starts
   * when the running pass ends (a running pass may have read the due rows before the caller queued its message).
   */
  flush(now: Date): Promise<unknown> {
    if (!this.running) {
      this.running = this.pass(now).finally(() => (this.running = null));
      return this.running;
    }
    if (this.queued) {
      if (now > this.queued.now) this.queued.now = now;
      return this.queued.done;
    }
    const queued = { now, done: Promise.resolve() as Promise<unknown> };
    queued.done = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.flush(queued.now);
      });
    this.queued = queued;
    return queued.done;
  }

  private async pass(now: Date): Promise<{ sent: number; failed: number }> {
    const pushing = [...this.channels.values()].filter((c) => c.pushes && c.health().state === "up").map((c) => c.name);
    if (pushing.length === 0) return { sent: 0, failed: 0 };
    const outcomes = await runDue(this.sends(pushing, await this.quietHours()), SEND_RETRY, now);
    const sent = outcomes.filter((o) => o.ok && "via" in o.result).length;
    return { sent, failed: outcomes.length - sent };
  }

  /** The outbox as the retry loop sees it, for the channels that push now: pending → sending (leased) → sent | failed | undeliverable. */
  private sends(pushing: string[], quiet: QuietWindow): RetryQueue<OutboxRow, Delivery> {
    return {
      // A row left "sending" by a process that died is claimed again by claimDue once its lease has run out.
      releaseExpired: async () => undefined,
      claimDue: (now: Date, limit: number, leaseUntil: Date) => this.claimBatch(pushing, quiet, now, limit, leaseUntil),
      work: (row, now) => this.send(row, now),
      done: async (row, delivery, now) => {
        if ("undeliverable" in delivery) return this.undeliverable(row, delivery.undeliverable, now);
        const sent = { status: "sent", sentAt: now, leaseUntil: null, lastError: null, via: delivery.via };
        await updateRow(this.db, "Outbox", row.id, sent, () => this.db.outbox.update({ where: { id: row.id }, data: sent }));
      },
      // Given up, a message stays "failed" (its next attempt time written but never reached).
      failed: async (row, { attempts, giveUp, retryAt, message }) => {
        await this.db.outbox.update({
          where: { id: row.id },
          data: { status: giveUp ? "failed" : "pending", leaseUntil: null, lastError: message.slice(0, 500), nextAttemptAt: retryAt },
        });
        this.log.warn({ outboxId: row.id, channel: row.channel, attempts, giveUp, err: message }, "send failed");
      },
    };
  }

  /**
   * A batch of due sends claimed and read in one statement (skipLocked.ts): the pending ones due now and those
   * whose claim's lease ran out (their claimer died). In quiet hours the held messages due now are moved to the
   * morning first and left out of the claim, unclaimed and uncounted, as `hold` does.
   */
  private async claimBatch(pushing: string[], quiet: QuietWindow, now: Date, limit: number, leaseUntil: Date): Promise<OutboxRow[]> {
    const held = inQuietHours(now, quiet);
    if (held) {
      await this.db.outbox.updateMany({ where: { status: "pending", quiet: true, channel: { in: pushing }, nextAttemptAt: { lte: now } }, data: { nextAttemptAt: afterQuietHours(now, quiet) } });
    }
    const rows = await claimRows<OutboxRow>(this.db, {
      table: "Outbox",
      set: `"status" = 'sending', "leaseUntil" = ?t, "attempts" = "attempts" + 1`,
      where: `(("status" = 'pending' AND "nextAttemptAt" <= ?t) OR ("status" = 'sending' AND "leaseUntil" < ?t)) AND "channel" IN (${pushing.map(() => "?").join(", ")})${held ? ` AND "quiet" = false` : ""}`,
      orderBy: `"id"`,
      limit,
      params: [sqlTime(leaseUntil), sqlTime(now), sqlTime(now), ...pushing],
    });
    return rows.map((r) => ({ ...r, status: "pending", attempts: r.attempts - 1 }));
  }

  private async send(row: OutboxRow, now: Date): Promise<Delivery> {
    const channel = this.channels.get(row.channel)!;
    try {
      const receipt = await channel.send({
        outboxId: row.id,
        chatId: row.chatId,
        isGroup: row.isGroup,
        text: row.text,
        mentions: row.mentions as unknown as Mention[],
        kind: row.kind,
        media: await this.mediaOf(row.attachments),
        notice: (row.notice as unknown as Notice | null) ?? null,
        window: channel.replyWindow ? await this.windowOf(row) : null,
        now,
      });
      return { via: receipt?.via ?? null };
    } catch (err) {
      if (err instanceof UndeliverableError) return { undeliverable: err.reason };
      throw err;
    }
  }

  /** The stored files of a row's attachments; ones not stored (yet) are left out. */
  private async mediaOf(ids: unknown): Promise<OutboundMedia[]> {
    const list = Array.isArray(ids) ? (ids as number[]) : [];
    if (!list.length || !this.media) return [];
    const rows = await this.db.attachment.findMany({ where: { id: { in: list }, status: "stored" }, orderBy: { id: "asc" } });
    return rows
      .filter((a) => a.path && (a.kind === "image" || a.kind === "voice"))
      .map((a) => ({ kind: a.kind as "image" | "voice", path: this.media!.abs(a.path!), mime: a.mime ?? "application/octet-stream", fileName: path.basename(a.path!) }));
  }

  /** When the person last wrote in this chat, and how many messages went to them since (not counting passive replies). */
  private async windowOf(row: { channel: string; chatId: string }) {
    const last = await this.db.inboundMessage.findFirst({ where: { channel: row.channel, chatId: row.chatId }, orderBy: { receivedAt: "desc" }, select: { receivedAt: true } });
    const sentSince = last
      ? await this.db.outbox.count({ where: { channel: row.channel, chatId: row.chatId, status: "sent", sentAt: { gte: last.receivedAt }, NOT: { via: "passive" } } })
      : 0;
    return { lastInboundAt: last?.receivedAt ?? null, sentSince };
  }

  private async undeliverable(row: { id: number; caseId: number | null; channel: string; kind: string }, reason: string, now: Date) {
    await this.db.$transaction(async (tx) => {
      await tx.outbox.update({ where: { id: row.id }, data: { status: "undeliverable", leaseUntil: null, lastError: reason.slice(0, 500) } });
      if (row.caseId) {
        await recordEvent(tx, row.caseId, { type: "undeliverable", actor: "bot", note: reason, data: { outboxId: row.id, kind: row.kind }, now });
      }
    });
    this.log.warn({ outboxId: row.id, channel: row.channel, kind: row.kind }, "message kept as undeliverable");
  }
}

/**
 * The callback answers the first reply to an inbound message itself (the 服务号's passive reply): the reply is
 * claimed here, so the dispatcher cannot also send it. Null when there is no reply waiting; on a retry of the same
 * message, the reply it already answered with.
 */
export async function claimPassiveReply(db: Db, inboundId: number, now: Date): Promise<{ text: string } | null> {
  const replies = await db.outbox.findMany({ where: { inReplyTo: inboundId }, orderBy: { id: "asc" } });
  const first = replies[0];
  if (!first) return null;
  if (first.status === "sent") return first.via === "passive" ? { text: first.text } : null;
  const claimed = await db.outbox.updateMany({ where: { id: first.id, status: "pending" }, data: { status: "sent", sentAt: now, via: "passive", attempts: { increment: 1 } } });
  await releaseReplies(db, inboundId, now);
  return claimed.count === 1 ? { text: first.text } : null;
}

/** Replies held for a passive answer that the callback did not take: due now, through the outbox. */
export async function releaseReplies(db: Db, inboundId: number, now: Date): Promise<void> {
  await db.outbox.updateMany({ where: { inReplyTo: inboundId, status: "pending" }, data: { nextAttemptAt: now } });
}

/**
 * The person wrote again, so a channel with a reply window may reach them: messages kept as undeliverable in the
 * last week go out again, a little after the answer to what they just wrote (a survey only while it is open).
 */
export async function releaseUndeliverable(db: Db, where: { channel: string; chatId: string }, now: Date): Promise<number> {
  const held = await db.outbox.findMany({
    where: { channel: where.channel, chatId: where.chatId, status: "undeliverable", createdAt: { gte: new Date(now.getTime() - 7 * 86400_000) } },
    include: { case: { select: { status: true } } },
  });
  const ids = held.filter((o) => !(o.kind === "survey" && o.case && o.case.status !== "awaiting_feedback")).map((o) => o.id);
  if (!ids.length) return 0;
  const { count } = await db.outbox.updateMany({ where: { id: { in: ids }, status: "undeliverable" }, data: { status: "pending", nextAttemptAt: new Date(now.getTime() + 2000), lastError: null } });
  return count;
}
