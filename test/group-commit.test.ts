// Group commit (intake/groupCommit.ts): the messages of one turn are stored in one INSERT and the chatter among
// them finished in one UPDATE — each still stored before it is answered, each answered as if alone, a message sent
// again answered from what was stored, and a message the batch cannot write written on its own.
import { afterEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { statementsSent } from "../src/db.ts";
import { Batch } from "../src/intake/groupCommit.ts";

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
