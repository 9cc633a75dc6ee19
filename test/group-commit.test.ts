// Group commit (intake/groupCommit.ts): the messages of one turn are stored in one INSERT and the chatter among
// them finished in one UPDATE — each still stored before it is answered, each answered as if alone, a message sent
// again answered from what was stored, and a message the batch cannot write written on its own.
import { afterEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { dbEngine, statementsSent } from "../src/db.ts";
import { Batch, InboundWrites } from "../src/intake/groupCommit.ts";
import type { Row } from "../src/intake/types.ts";

let svc: TestService | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

const at = new Date("2026-11-02T02:00:00Z");
const chatter = (i: number, run: string) => ({
  channel: "http" as const,
  messageId: `gc-${run}-${i}`,
  chatId: "yangguang-owners",
  chatName: "阳光花园业主群",
  isGroup: true,
  senderId: `gc-${run}-${i}`,
  senderName: "居民",
  text: `今天小区门口的花开得真好 ${i}`,
  mentionsBot: false,
});

describe("group commit", () => {
  it("stores twenty messages that arrive together in one INSERT, looks up their open questions in one SELECT and finishes them in one UPDATE", async () => {
    svc = await startService();
    const { intake, db } = svc.services;
    await intake.receive(chatter(0, "warm"), at); // the reference data read and cached first
    const before = statementsSent.count;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => intake.receive(chatter(i, "a"), at)));
    const sent = statementsSent.count - before;
    expect(results.every((r) => r.outcome === "not_addressed" && r.replies.length === 0)).toBe(true);
    // Alone, each message sends three (its INSERT, its look for an open question, its UPDATE): 60. Together, one
    // of each (and at most a few of the reference data's periodic version checks).
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThanOrEqual(3 + 3);
    const rows = await db.inboundMessage.findMany({ where: { messageId: { startsWith: "gc-a-" } }, orderBy: { id: "asc" } });
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.status === "ignored" && r.outcome === "not_addressed" && r.processedAt?.getTime() === at.getTime())).toBe(true);
    expect(new Set(rows.map((r) => r.text)).size).toBe(20);
  });

  it("answers a message sent again from what was stored, in the same batch as new ones", async () => {
    svc = await startService();
    const { intake, db } = svc.services;
    const first = await intake.receive({ ...chatter(1, "b"), text: "@小民 3号楼电梯坏了两天了", mentionsBot: true }, at);
    expect(first.case?.number).toBeTruthy();
    const [again, fresh] = await Promise.all([
      intake.receive({ ...chatter(1, "b"), text: "@小民 3号楼电梯坏了两天了", mentionsBot: true }, at),
      intake.receive(chatter(2, "b"), at),
    ]);
    expect(again).toEqual(first);
    expect(fresh.outcome).toBe("not_addressed");
    expect(await db.inboundMessage.count({ where: { messageId: { startsWith: "gc-b-" } } })).toBe(2);
    expect(await db.case.count()).toBe(1);
  });

  it("finds each sender's own open question in a batch: the asked one's answer completes the case, the others stay chatter", async () => {
    svc = await startService();
    const { intake } = svc.services;
    const asked = await intake.receive({ ...chatter(1, "c"), senderId: "gc-c-li", text: "@小民 电梯又坏了，困难得很", mentionsBot: true }, at);
    expect(asked.replies[0].text).toContain("请补充");
    // In one turn: the asked resident's answer (no @mention needed), and two neighbours' chatter, one of them with
    // the same words in the same chat.
    const [answer, other, same] = await Promise.all([
      intake.receive({ ...chatter(2, "c"), senderId: "gc-c-li", text: "8号楼2单元" }, at),
      intake.receive({ ...chatter(3, "c"), senderId: "gc-c-wang" }, at),
      intake.receive({ ...chatter(4, "c"), senderId: "gc-c-zhao", text: "8号楼2单元" }, at),
    ]);
    expect(answer.outcome).toBe("answer");
    expect(answer.case?.number).toBe(asked.case!.number);
    expect(other.outcome).toBe("not_addressed");
    expect(same.outcome).toBe("not_addressed");
  });
});

describe("what a turn's senders left open, and who they are", () => {
  const sender = (senderId: string, senderName: string | null, chatId = "yangguang-owners") => ({ channel: "http", chatId, senderId, senderName }) as Row;

  it("writes the senders of one turn as residents in one upsert: a sender twice is one resident with the name last given, a missing name keeps the known one", async () => {
    svc = await startService();
    const { db } = svc.services;
    const writes = new InboundWrites(db);
    const known = await writes.resident(sender("gc-d-1", "王阿姨"), at);
    const before = statementsSent.count;
    const ids = await Promise.all([
      writes.resident(sender("gc-d-1", null), at),
      writes.resident(sender("gc-d-2", "李叔"), at),
      writes.resident(sender("gc-d-2", "李叔叔"), at),
      writes.resident(sender("gc-d-3", null), at),
    ]);
    // One upsert where alone they would be four (and at most one of the reference data's periodic version checks).
    expect(statementsSent.count - before).toBeGreaterThanOrEqual(1);
    expect(statementsSent.count - before).toBeLessThanOrEqual(2);
    expect(ids[0]).toBe(known);
    expect(ids[1]).toBe(ids[2]);
    expect(new Set(ids).size).toBe(3);
    const residents = await db.resident.findMany({ where: { externalId: { startsWith: "gc-d-" } }, orderBy: { externalId: "asc" } });
    expect(residents.map((r) => [r.id, r.externalId, r.displayName])).toEqual([
      [ids[0], "gc-d-1", "王阿姨"],
      [ids[1], "gc-d-2", "李叔叔"],
      [ids[3], "gc-d-3", null],
    ]);
  });

  /** A service, and a case of `senderId`'s that asks them where (a question left open), for the looks to find. */
  async function askedOneSender(senderId: string) {
    svc = await startService();
    const { db, intake } = svc.services;
    const asked = await intake.receive({ ...chatter(1, senderId), senderId, text: "@小民 电梯又坏了，困难得很", mentionsBot: true }, at);
    return { db, writes: new InboundWrites(db), kase: await db.case.findFirstOrThrow({ where: { number: asked.case!.number } }) };
  }

  it("sees in one look each sender's open question and the photos or pins of theirs that wait for words in that chat, within the window", async () => {
    const { db, writes, kase } = await askedOneSender("gc-e-li");
    const photo = (senderId: string, minutesAgo: number, extra: object = {}) => ({ kind: "image", channel: "http", chatId: "yangguang-owners", senderId, status: "stored", createdAt: new Date(at.getTime() - minutesAgo * 60_000), ...extra });
    await db.attachment.createMany({
      data: [
        photo("gc-e-wang", 3),
        photo("gc-e-zhao", 30), // before the window
        photo("gc-e-sun", 3, { caseId: kase.id }), // on a case already
        photo("gc-e-qian", 3, { chatId: "another-chat" }), // sent in another chat
        photo("gc-e-zhou", 3, { kind: "voice" }), // a voice message waits for nobody's words
      ],
    });
    const since = new Date(at.getTime() - 10 * 60_000);
    const before = statementsSent.count;
    const seen = await Promise.all(["gc-e-li", "gc-e-wang", "gc-e-zhao", "gc-e-sun", "gc-e-qian", "gc-e-zhou"].map((id) => writes.waiting(sender(id, null), at, since)));
    expect(statementsSent.count - before).toBeGreaterThanOrEqual(1);
    expect(statementsSent.count - before).toBeLessThanOrEqual(2);
    expect(seen[0]).toEqual({ question: { id: expect.any(Number), caseId: kase.id, kind: "missing_info" }, media: false });
    expect(seen.slice(1).map((w) => [w.question, w.media])).toEqual([
      [null, true],
      [null, false],
      [null, false],
      [null, false],
      [null, false],
    ]);
  });

  it("looks up what each sender left open and writes them as residents at once for messages to the bot, each answered with their own", async () => {
    const { db, writes, kase } = await askedOneSender("gc-f-li");
    const li = await db.resident.findFirstOrThrow({ where: { externalId: "gc-f-li" } });
    const since = new Date(at.getTime() - 10 * 60_000);
    const before = statementsSent.count;
    const [a, b, c, chat] = await Promise.all([
      writes.waitingAsResident(sender("gc-f-li", "李叔叔"), at, since),
      // A sender twice in the turn: one resident, with the name last given.
      writes.waitingAsResident(sender("gc-f-wang", null), at, since),
      writes.waitingAsResident(sender("gc-f-wang", "王阿姨"), at, since),
      // Chatter in the same turn: looked at, not written as a resident.
      writes.waiting(sender("gc-f-zhao", "赵大哥"), at, since),
    ]);
    // One statement on PostgreSQL; on SQLite the look and the upsert (and at most one periodic version check).
    const sent = statementsSent.count - before;
    expect(sent).toBeGreaterThanOrEqual(dbEngine(db) === "sqlite" ? 2 : 1);
    expect(sent).toBeLessThanOrEqual(dbEngine(db) === "sqlite" ? 3 : 2);
    expect(a).toEqual({ question: { id: expect.any(Number), caseId: kase.id, kind: "missing_info" }, media: false, residentId: li.id });
    const wang = await db.resident.findFirstOrThrow({ where: { externalId: "gc-f-wang" } });
    expect(wang.displayName).toBe("王阿姨");
    expect([b, c]).toEqual([{ question: null, media: false, residentId: wang.id }, { question: null, media: false, residentId: wang.id }]);
    expect(chat).toEqual({ question: null, media: false });
    expect(await db.resident.count({ where: { externalId: "gc-f-zhao" } })).toBe(0);
    expect((await db.resident.findUniqueOrThrow({ where: { id: li.id } })).displayName).toBe("李叔叔");
  });

  it("puts a photo sent before the words on the appeal's case, and nothing on the case of a neighbour who sent none", async () => {
    svc = await startService();
    const { db, intake } = svc.services;
    await db.attachment.create({ data: { kind: "image", channel: "http", chatId: "yangguang-owners", senderId: "gc-f-wang", status: "stored", createdAt: new Date(at.getTime() - 60_000) } });
    const withPhoto = await intake.receive({ ...chatter(1, "f"), senderId: "gc-f-wang", text: "@小民 3号楼电梯坏了两天了，按钮没反应", mentionsBot: true }, at);
    const alone = await intake.receive({ ...chatter(2, "f"), senderId: "gc-f-li", text: "@小民 5号楼门口的路灯坏了，晚上很黑", mentionsBot: true }, at);
    const attached = await db.attachment.findMany({ where: { senderId: { startsWith: "gc-f-" } }, include: { case: true } });
    expect(attached.map((a) => a.case?.number)).toEqual([withPhoto.case!.number]);
    expect(alone.case?.number).toBeTruthy();
    expect(await db.attachment.count({ where: { case: { number: alone.case!.number } } })).toBe(0);
  });
});

describe("Batch", () => {
  it("runs the calls of one turn together and gives each caller its own answer, or the batch's error to all", async () => {
    const runs: number[][] = [];
    const batch = new Batch<number, number>(async (xs) => {
      runs.push(xs);
      if (xs.includes(13)) throw new Error("unlucky");
      return xs.map((x) => x * 2);
    });
    expect(await Promise.all([1, 2, 3].map((x) => batch.add(x)))).toEqual([2, 4, 6]);
    expect(await batch.add(4)).toBe(8);
    const settled = await Promise.allSettled([batch.add(12), batch.add(13)]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
    expect(runs).toEqual([[1, 2, 3], [4], [12, 13]]);
  });
});
