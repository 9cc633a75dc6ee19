// Group commit for the messages every group sends: the messages that arrive in the same turn of the event loop are
// stored in one INSERT, their senders' open questions looked up in one SELECT, and the chatter among them (kept,
// not answered) finished in one UPDATE. Each message is still stored before anything is done with it, and each
// HTTP answer waits for its own statement; a batch that fails is written again message by message, so one bad
// message cannot fail the others.
import { isUniqueViolation, rawSql, sqlTime, type Db } from "../db.ts";
import { insertRowsIfAbsent } from "../rawRows.ts";
import { insertInbound, statusOf, type InboundInsert, type OpenQuestion } from "./inboundSql.ts";
import type { IntakeResult, Row } from "./types.ts";

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
  private readonly questions: Batch<{ row: Row; now: Date }, OpenQuestion | null>;

  constructor(private readonly db: Db) {
    this.inserts = new Batch((messages) => this.insertAll(messages));
    this.unanswered = new Batch((rows) => this.finishAll(rows));
    this.questions = new Batch((asks) => this.questionsOf(asks));
  }

  /** The question we asked this sender in this chat that is still open, if any (the latest). */
  openQuestion(row: Row, now: Date): Promise<OpenQuestion | null> {
    return this.questions.add({ row, now });
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
      const rows = await insertRowsIfAbsent<Row>(this.db, "InboundMessage", ["channel", "messageId"], messages as unknown as Record<string, unknown>[]);
      if (rows) {
        const stored = new Map(rows.map((r) => [key(r), r]));
        return messages.map((m) => stored.get(key(m)) ?? null);
      }
    } catch {
      // Written again one by one below: each message gets its own answer or its own error.
    }
    return Promise.all(messages.map((m) => insertInbound(this.db, m).catch((err) => (isUniqueViolation(err) ? null : Promise.reject(err)))));
  }

  private async questionsOf(asks: { row: Row; now: Date }[]): Promise<(OpenQuestion | null)[]> {
    const who = (r: Pick<Row, "channel" | "chatId" | "senderId">) => `${r.channel}\u0000${r.chatId}\u0000${r.senderId}`;
    const found = new Map<string, OpenQuestion>();
    for (const [at, group] of byTime(asks)) {
      const senders = [...new Map(group.map((a) => [who(a.row), a.row])).values()];
      const rows = await this.db.$queryRawUnsafe<(OpenQuestion & { channel: string; chatId: string; senderId: string; at: string })[]>(
        rawSql(this.db, `${QUESTIONS} (${senders.map(() => "(?, ?, ?)").join(", ")}) ORDER BY "id" DESC`),
        at,
        ...senders.flatMap((r) => [r.channel, r.chatId, r.senderId]),
      );
      // The latest for each sender (rows come newest first).
      for (const q of rows) if (!found.has(`${at}\u0000${who(q)}`)) found.set(`${at}\u0000${who(q)}`, { id: q.id, caseId: q.caseId, kind: q.kind });
    }
    return asks.map((a) => found.get(`${sqlTime(a.now)}\u0000${who(a.row)}`) ?? null);
  }

  private async finishAll(rows: { id: number; now: Date }[]): Promise<void[]> {
    for (const [at, group] of byTime(rows)) {
      const ids = group.map((r) => r.id);
      await this.db.$executeRawUnsafe(rawSql(this.db, `${FINISH} (${ids.map(() => "?").join(", ")})`), statusOf("not_addressed"), JSON.stringify(unanswered()), at, ...ids);
    }
    return rows.map(() => undefined);
  }
}

/** The calls grouped by their time (each statement takes one `now`). */
function byTime<T extends { now: Date }>(calls: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const c of calls) {
    const at = sqlTime(c.now);
    groups.set(at, [...(groups.get(at) ?? []), c]);
  }
  return groups;
}

const QUESTIONS = `SELECT "id", "caseId", "kind", "channel", "chatId", "senderId" FROM "PendingQuestion" WHERE "answeredAt" IS NULL AND "expiresAt" > ?t AND ("channel", "chatId", "senderId") IN`;
/** Chatter's answer: none (a new object each time: callers may add to theirs). */
const unanswered = (): IntakeResult => ({ outcome: "not_addressed", replies: [] });
const FINISH = `UPDATE "InboundMessage" SET "status" = ?, "outcome" = 'not_addressed', "result" = ?j, "processedAt" = ?t WHERE "id" IN`;
