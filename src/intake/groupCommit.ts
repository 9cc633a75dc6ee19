// Group commit for the messages every group sends: the messages that arrive in the same turn of the event loop are
// stored in one INSERT, what their senders left open looked up in one SELECT (a question we asked, photos or pins
// waiting for words), their senders written as residents in one upsert, and the chatter among them (kept, not
// answered) finished in one UPDATE. Each message is still stored before anything is done with it, and each
// HTTP answer waits for its own statement; a batch that fails is written again message by message, so one bad
// message cannot fail the others.
import { dbEngine, isUniqueViolation, sqlRows, sqlRun, sqlTime, type Db } from "../db.ts";
import { insertRows } from "../rawRows.ts";
import { LOOSE_MEDIA } from "../media/service.ts";
import { insertInbound, RESIDENT_UPSERT, statusOf, type InboundInsert, type OpenQuestion } from "./inboundSql.ts";
import type { IntakeResult, Row } from "./types.ts";
import { groupedBy } from "../domain/collections.ts";

/** At most this many messages in one statement (14 values each: far below either engine's limit). */
const MOST = 200;

/** Gathers the calls made in one turn of the event loop, and runs them together. */
export class Batch<In, Out> {
  private waiting: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];

  constructor(private readonly run: (inputs: In[]) => Promise<Out[]>) {}

  add(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => this.flush());
      else if (this.waiting.length >= MOST) this.flush();
    });
  }

  private flush(): void {
    const batch = this.waiting.splice(0);
    if (!batch.length) return;
    this.run(batch.map((b) => b.input)).then(
      (outs) => batch.forEach((b, i) => b.resolve(outs[i])),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }
}

export class InboundWrites {
  private readonly inserts: Batch<InboundInsert, Row | null>;
  private readonly unanswered: Batch<{ id: number; now: Date }, void>;
  private readonly looks: Batch<WaitingAsk, Waiting & { residentId?: number }>;
  private readonly residents: Batch<{ row: Row; now: Date }, number>;
  /** SQLite has no data-modifying WITH (waitingAsResident). */
  private readonly sqlite: boolean;

  constructor(private readonly db: Db) {
    this.sqlite = dbEngine(db) === "sqlite";
    this.inserts = new Batch((messages) => this.insertAll(messages));
    this.unanswered = new Batch((rows) => this.finishAll(rows));
    this.looks = new Batch((asks) => this.waitingOf(asks));
    this.residents = new Batch((rows) => this.residentsOf(rows));
  }

  /**
   * What this sender left open in this chat: the question we asked that is still open (the latest), and whether
   * photos or pins they sent since `mediaSince` wait for a case (perhaps this message's own).
   */
  waiting(row: Row, now: Date, mediaSince: Date): Promise<Waiting> {
    return this.looks.add({ row, now, mediaSince });
  }

  /** The sender as a resident (their name as the chat gives it now): their id. */
  resident(row: Row, now: Date): Promise<number> {
    return this.residents.add({ row, now });
  }

  /**
   * waiting() and resident() at once, for a message known to be for the bot: on PostgreSQL the upsert rides in the
   * look's statement (a data-modifying WITH; SQLite has none, and runs the two).
   */
  async waitingAsResident(row: Row, now: Date, mediaSince: Date): Promise<Waiting & { residentId: number }> {
    if (this.sqlite) {
      const [waiting, residentId] = await Promise.all([this.waiting(row, now, mediaSince), this.resident(row, now)]);
      return { ...waiting, residentId };
    }
    const found = await this.looks.add({ row, now, mediaSince, resident: true });
    return { ...found, residentId: found.residentId! };
  }

  /** Stores a message (with the others of this turn); null when it was stored before (the same channel and id). */
  insert(message: InboundInsert): Promise<Row | null> {
    return this.inserts.add(message);
  }

  /** Records chatter as kept and not answered (with the others of this turn). */
  async finishUnanswered(row: Row, now: Date): Promise<IntakeResult> {
    await this.unanswered.add({ id: row.id, now });
    return unanswered();
  }

  private async insertAll(messages: InboundInsert[]): Promise<(Row | null)[]> {
    const key = (m: { channel: string; messageId: string }) => `${m.channel}\u0000${m.messageId}`;
    try {
      const rows = await insertRows<Row>(this.db, "InboundMessage", messages as unknown as Record<string, unknown>[], ["channel", "messageId"]);
      if (rows) {
        const stored = new Map(rows.map((r) => [key(r), r]));
        return messages.map((m) => stored.get(key(m)) ?? null);
      }
    } catch {
      // Written again one by one below: each message gets its own answer or its own error.
    }
    return Promise.all(messages.map((m) => insertInbound(this.db, m).catch((err) => (isUniqueViolation(err) ? null : Promise.reject(err)))));
  }

  private async waitingOf(asks: WaitingAsk[]): Promise<(Waiting & { residentId?: number })[]> {
    const found = new Map<string, Waiting>();
    const residents = new Map<string, number>();
    const timesOf = (a: WaitingAsk) => `${sqlTime(a.now)}\u0000${sqlTime(a.mediaSince)}`;
    for (const [times, group] of groupedBy(asks, timesOf)) {
      const senders = [...new Map(group.map((a) => [who(a.row), a.row])).values()];
      const keys = senders.map(() => "(?, ?, ?)").join(", ");
      const values = senders.flatMap((r) => [r.channel, r.chatId, r.senderId]);
      // Senders to write as residents as well (PostgreSQL, waitingAsResident): one row each, the name last given.
      const at = sqlTime(group[0].now);
      const upserted = [...new Map(group.filter((a) => a.resident).map((a) => [resident(a.row), a.row])).values()];
      const upsert = upserted.length ? `WITH "r" AS (${RESIDENT_UPSERT(upserted.length)}) ` : "";
      const rows = await sqlRows<{ what: "question" | "media" | "resident"; channel: string; chatId: string; senderId: string } & OpenQuestion>(
        this.db,
        `${upsert}${QUESTIONS} (${keys}) UNION ALL ${MEDIA} (${keys})${upsert && ` UNION ALL ${UPSERTED}`} ORDER BY "id" DESC`,
        ...upserted.flatMap((r) => [r.channel, r.senderId, r.senderName ?? null, at, at]),
        at,
        ...values,
        sqlTime(group[0].mediaSince),
        ...values,
      );
      for (const r of rows) {
        if (r.what === "resident") {
          residents.set(`${times}\u0000${resident(r)}`, Number(r.id));
          continue;
        }
        const key = `${times}\u0000${who(r)}`;
        const w = found.get(key) ?? { question: null, media: false };
        // The latest question for each sender (rows come newest first).
        if (r.what === "question" && !w.question) w.question = { id: Number(r.id), caseId: Number(r.caseId), kind: r.kind };
        if (r.what === "media") w.media = true;
        found.set(key, w);
      }
    }
    return asks.map((a) => {
      const w = found.get(`${timesOf(a)}\u0000${who(a.row)}`) ?? { question: null, media: false };
      return a.resident ? { ...w, residentId: residents.get(`${timesOf(a)}\u0000${resident(a.row)}`) } : w;
    });
  }

  private async residentsOf(calls: { row: Row; now: Date }[]): Promise<number[]> {
    const ids = new Map<string, number>();
    for (const [at, group] of byTime(calls)) {
      // One row per sender (an upsert may not touch a row twice): the name last given.
      const senders = [...new Map(group.map((c) => [resident(c.row), c.row])).values()];
      const rows = await sqlRows<{ id: number; channel: string; externalId: string }>(this.db, RESIDENT_UPSERT(senders.length),
        ...senders.flatMap((r) => [r.channel, r.senderId, r.senderName ?? null, at, at]),
      );
      for (const r of rows) ids.set(`${at}\u0000${r.channel}\u0000${r.externalId}`, Number(r.id));
    }
    return calls.map((c) => ids.get(`${sqlTime(c.now)}\u0000${resident(c.row)}`)!);
  }

  private async finishAll(rows: { id: number; now: Date }[]): Promise<void[]> {
    for (const [at, group] of byTime(rows)) {
      const ids = group.map((r) => r.id);
      await sqlRun(this.db, `${FINISH} (${ids.map(() => "?").join(", ")})`, statusOf("not_addressed"), JSON.stringify(unanswered()), at, ...ids);
    }
    return rows.map(() => undefined);
  }
}

/** The calls grouped by their time (each statement takes one `now`). */
function byTime<T extends { now: Date }>(calls: T[]): Map<string, T[]> {
  return groupedBy(calls, (c) => sqlTime(c.now));
}

type WaitingAsk = { row: Row; now: Date; mediaSince: Date; resident?: boolean };
/** What a sender left open in a chat (InboundWrites.waiting). */
export type Waiting = { question: OpenQuestion | null; media: boolean };

const who = (r: Pick<Row, "channel" | "chatId" | "senderId">) => `${r.channel}\u0000${r.chatId}\u0000${r.senderId}`;
const resident = (r: Pick<Row, "channel" | "senderId">) => `${r.channel}\u0000${r.senderId}`;

const QUESTIONS = `SELECT 'question' AS "what", "id", "caseId", "kind", "channel", "chatId", "senderId" FROM "PendingQuestion" WHERE "answeredAt" IS NULL AND "expiresAt" > ?t AND ("channel", "chatId", "senderId") IN`;
/** Photos and pins waiting for words (media/service.ts LOOSE_MEDIA), one row per sender. */
const MEDIA = `SELECT DISTINCT 'media', CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), NULL, "channel", "chatId", "senderId" FROM "Attachment" WHERE ${LOOSE_MEDIA} AND ("channel", "chatId", "senderId") IN`;
/** The senders the look's WITH wrote as residents (PostgreSQL only), in the look's columns. */
const UPSERTED = `SELECT 'resident', "id", CAST(NULL AS INTEGER), CAST(NULL AS TEXT), "channel", CAST(NULL AS TEXT), "externalId" FROM "r"`;
/** Chatter's answer: none (a new object each time: callers may add to theirs). */
const unanswered = (): IntakeResult => ({ outcome: "not_addressed", replies: [] });
const FINISH = `UPDATE "InboundMessage" SET "status" = ?, "outcome" = 'not_addressed', "result" = ?j, "processedAt" = ?t WHERE "id" IN`;
