// Outbound messages: queued in the database first, then sent by the dispatcher, which claims each row before
// sending so two dispatchers never send the same message, and backs off after a failure.
import type { Db, Prisma } from "./db.ts";
import type { Logger } from "./log.ts";
import type { Channel, Mention } from "./channels/types.ts";
import { redactPersonalData } from "./domain/redact.ts";
import { afterQuietHours, inQuietHours } from "./domain/quietHours.ts";

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
  now: Date;
}

/** Queues a message. Anything said in a group passes the personal-data filter, whatever produced it. */
export async function queueMessage(tx: Tx, m: QueuedMessage) {
  if (m.dedupeKey) {
    const existing = await tx.outbox.findUnique({ where: { dedupeKey: m.dedupeKey } });
    if (existing) return existing;
  }
  return tx.outbox.create({
    data: {
      channel: m.channel,
      chatId: m.chatId,
      isGroup: m.isGroup,
      text: (m.redact ?? m.isGroup) ? redactPersonalData(m.text) : m.text,
      mentions: (m.mentions ?? []) as unknown as Prisma.InputJsonValue,
      caseId: m.caseId ?? undefined,
      inReplyTo: m.inReplyTo ?? undefined,
      kind: m.kind ?? "reply",
      quiet: m.quiet ?? false,
      dedupeKey: m.dedupeKey,
      createdAt: m.now,
      nextAttemptAt: m.sendAfter ?? m.now,
      ...(m.deliveredNow ? { status: "sent", sentAt: m.now } : {}),
    },
  });
}

const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 8;
/** 30 s, 1 min, 2 min … capped at one hour. */
export const backoffMs = (attempts: number) => Math.min(3600_000, 30_000 * 2 ** Math.max(0, attempts - 1));

export class OutboxDispatcher {
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: Db,
    private readonly channels: Map<string, Channel>,
    private readonly log: Logger,
    private readonly quietHours: () => Promise<QuietWindow>,
  ) {}

  /** Sends what is due. Concurrent calls in one process share one pass. */
  flush(now: Date): Promise<unknown> {
    this.running ??= this.pass(now).finally(() => (this.running = null));
    return this.running;
  }

  private async pass(now: Date): Promise<{ sent: number; failed: number }> {
    const pushing = [...this.channels.values()].filter((c) => c.pushes && c.health().state === "up").map((c) => c.name);
    if (pushing.length === 0) return { sent: 0, failed: 0 };
    // A row left "sending" by a process that died is due again once its lease has run out.
    await this.db.outbox.updateMany({ where: { status: "sending", leaseUntil: { lt: now } }, data: { status: "pending" } });
    const due = await this.db.outbox.findMany({
      where: { status: "pending", channel: { in: pushing }, nextAttemptAt: { lte: now } },
      orderBy: { id: "asc" },
      take: 100,
    });
    let sent = 0;
    let failed = 0;
    const quiet = await this.quietHours();
    for (const row of due) {
      // A held message whose retry (or a late start) falls in quiet hours waits for the morning.
      if (row.quiet && inQuietHours(now, quiet)) {
        await this.db.outbox.updateMany({ where: { id: row.id, status: "pending" }, data: { nextAttemptAt: afterQuietHours(now, quiet) } });
        continue;
      }
      const claimed = await this.db.outbox.updateMany({
        where: { id: row.id, status: "pending" },
        data: { status: "sending", leaseUntil: new Date(now.getTime() + LEASE_MS), attempts: { increment: 1 } },
      });
      if (claimed.count !== 1) continue;
      try {
        await this.channels.get(row.channel)!.send({
          outboxId: row.id,
          chatId: row.chatId,
          isGroup: row.isGroup,
          text: row.text,
          mentions: row.mentions as unknown as Mention[],
        });
        await this.db.outbox.update({ where: { id: row.id }, data: { status: "sent", sentAt: now, leaseUntil: null, lastError: null } });
        sent++;
      } catch (err) {
        const attempts = row.attempts + 1;
        const giveUp = attempts >= MAX_ATTEMPTS;
        await this.db.outbox.update({
          where: { id: row.id },
          data: {
            status: giveUp ? "failed" : "pending",
            leaseUntil: null,
            lastError: (err as Error).message.slice(0, 500),
            nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)),
          },
        });
        this.log.warn({ outboxId: row.id, channel: row.channel, attempts, giveUp, err: (err as Error).message }, "send failed");
        failed++;
      }
    }
    return { sent, failed };
  }
}
