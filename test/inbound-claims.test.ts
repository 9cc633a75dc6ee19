// An inbound message is processed once across instances (intake/claims.ts): two services over one database, each
// with its own intake, stand for two instances; a row "processing" under another's lease stands for an instance
// at work, or one that died. On a fake clock.
import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, startService, type TestDatabase, type TestService } from "./helpers/service.ts";
import { FakeClock, MINUTE } from "./helpers/clock.ts";
import { recoverUnprocessed } from "../src/services.ts";
import { ANSWER_WAIT_MS, PROCESSING_LEASE_MS } from "../src/intake/claims.ts";
import { testPostgresUrl } from "./helpers/database.ts";

/**
 * Both at once on PostgreSQL; one after the other on SQLite, where two services in one process cannot share a file
 * at once (better-sqlite3 is synchronous: one would wait for the other's open transaction while blocking the thread
 * that would end it). test/instances.test.ts runs instances at once in their own processes on both engines.
 */
const together = async <A, B>(a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> => (testPostgresUrl() ? Promise.all([a(), b()]) : [await a(), await b()]);

const open: TestService[] = [];
let database: TestDatabase | undefined;
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  await database?.drop();
  database = undefined;
});

async function twoInstances(clock: FakeClock) {
  database = await freshDatabase();
  const a = await startService({}, { clock: clock.now }, { database, settings: { sameProblemSimilarity: 1 } });
  const b = await startService({}, { clock: clock.now }, { database });
  open.push(a, b);
  return { a, b };
}

let seq = 0;
const message = (text = "3号楼电梯坏了两天了，老人上下楼很困难") => ({
  messageId: `claim-${Date.now()}-${++seq}`,
  chatId: "yangguang-owners",
  chatName: "阳光花园业主群",
  isGroup: true,
  senderId: `claim-resident-${seq}`,
  text,
  mentionsBot: true,
});

/** What another instance wrote when it stored the message and claimed it (and then worked, or died). */
async function storedElsewhere(svc: TestService, m: ReturnType<typeof message>, leaseUntil: Date, now: Date) {
  return svc.services.db.inboundMessage.create({
    data: { channel: "http", messageId: m.messageId, chatId: m.chatId, isGroup: true, senderId: m.senderId, text: m.text, mentionsBot: true, raw: {}, status: "processing", leaseUntil, receivedAt: now },
  });
}

describe("one message, several instances", () => {
  it("is processed once when it reaches two instances at the same moment: one case, one reply, the same answer twice", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b } = await twoInstances(clock);
    for (let i = 0; i < 5; i++) {
      const m = message(`${3 + i}号楼楼道的灯坏了，晚上很黑`);
      const [first, second] = await together(() => a.post("/api/channels/http/messages", m), () => b.post("/api/channels/http/messages", m));
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.body.case.number).toBeTruthy();
      expect(second.body).toEqual(first.body);
      const rows = await a.services.db.inboundMessage.findMany({ where: { messageId: m.messageId } });
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe("processed");
      expect(await a.services.db.case.count({ where: { messages: { some: { messageId: m.messageId } } } })).toBe(1);
      expect(await a.services.db.outbox.count({ where: { inReplyTo: rows[0].id } })).toBe(first.body.replies.length);
    }
  });

  it("waits for the answer of the instance at work, and answers with it", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b } = await twoInstances(clock);
    const m = message();
    const row = await storedElsewhere(a, m, new Date(clock.now().getTime() + PROCESSING_LEASE_MS), clock.now());
    const asked = b.post("/api/channels/http/messages", m);
    await new Promise((r) => setTimeout(r, 300));
    const answer = { outcome: "chat", replies: [{ chatId: m.chatId, text: "另一实例的回复" }] };
    await a.services.db.inboundMessage.update({ where: { id: row.id }, data: { status: "processed", outcome: "chat", result: answer } });
    const { status, body } = await asked;
    expect(status).toBe(200);
    expect(body).toMatchObject({ outcome: "chat", replies: answer.replies });
    // It did not process the message itself.
    expect(await b.services.db.case.count()).toBe(0);
    expect(await b.services.db.outbox.count({ where: { inReplyTo: row.id } })).toBe(0);
  });

  it("asks to send again when the instance at work has not answered in time, and does not process it meanwhile", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b } = await twoInstances(clock);
    const m = message();
    await storedElsewhere(a, m, new Date(clock.now().getTime() + PROCESSING_LEASE_MS), clock.now());
    const started = Date.now();
    const { status, body } = await b.post("/api/channels/http/messages", m);
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ id: "in_progress" });
    expect(body.error.message).toContain("正在处理");
    expect(Date.now() - started).toBeGreaterThanOrEqual(ANSWER_WAIT_MS - 100);
    expect(await b.services.db.case.count()).toBe(0);
  }, 20_000);

  it("takes a message over when the claim of the instance that stored it has run out (it died)", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b } = await twoInstances(clock);
    const m = message("小区北门的路灯不亮了，晚上很黑");
    const row = await storedElsewhere(a, m, new Date(clock.now().getTime() + PROCESSING_LEASE_MS), clock.now());
    clock.advance(PROCESSING_LEASE_MS + 1);
    const { status, body } = await b.post("/api/channels/http/messages", m);
    expect(status).toBe(200);
    expect(body.outcome).toBe("appeal");
    expect(await b.services.db.inboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "processed", caseId: expect.any(Number) });
    // Delivered again, it is answered from the stored result.
    expect((await a.post("/api/channels/http/messages", m)).body).toEqual(body);
    expect(await a.services.db.case.count()).toBe(1);
  });

  it("is answered by the periodic pass of any instance once the dead instance's claim has run out, and by one only", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b } = await twoInstances(clock);
    const rows = [];
    for (let i = 0; i < 6; i++) rows.push(await storedElsewhere(a, message(`${i + 1}号楼门口的垃圾好几天没人收了`), new Date(clock.now().getTime() + PROCESSING_LEASE_MS), clock.now()));
    // Still held: neither pass touches them.
    clock.advance(MINUTE);
    expect(await recoverUnprocessed(a.services)).toBe(0);
    clock.advance(PROCESSING_LEASE_MS);
    const [byA, byB] = await together(() => recoverUnprocessed(a.services), () => recoverUnprocessed(b.services));
    expect(byA + byB).toBe(6);
    const after = await a.services.db.inboundMessage.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
    for (const r of after) {
      expect(r.status).toBe("processed");
      expect(await a.services.db.outbox.count({ where: { inReplyTo: r.id } })).toBe((r.result as { replies: unknown[] }).replies.length);
    }
    expect(await a.services.db.case.count()).toBe(6);
    expect(await recoverUnprocessed(b.services)).toBe(0);
  });
});
