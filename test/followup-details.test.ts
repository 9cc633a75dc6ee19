// Smaller follow-up rules: reading survey answers, the LLM for mixed answers, local days off, retention,
// and messages queued twice by a retried job.
import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readRating, saysNotSolved } from "../src/followup/satisfaction.ts";
import { calendarFromFile } from "../src/domain/calendarFile.ts";
import { addWorkingDays } from "../src/domain/deadlines.ts";
import { queueMessage } from "../src/outbox.ts";
import { afterQuietHours, inQuietHours } from "../src/domain/quietHours.ts";
import { startService, type TestService } from "./helpers/service.ts";
import { startFakeLlm } from "./helpers/fakeLlm.ts";
import { cst, FakeClock } from "./helpers/clock.ts";
import { runFollowUp } from "../src/services.ts";

const open: TestService[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe("reading a survey answer", () => {
  it.each([
    ["1", "satisfied", ""],
    ["１", "satisfied", ""],
    ["2。还可以", "basically_satisfied", "还可以"],
    ["3 灯还是不亮", "dissatisfied", "灯还是不亮"],
    ["非常满意，谢谢师傅", "satisfied", "非常满意，谢谢师傅"],
    ["基本满意", "basically_satisfied", "基本满意"],
    ["不满意", "dissatisfied", "不满意"],
    ["根本没解决", "dissatisfied", "根本没解决"],
  ])("%s → %s", (text, rating, reason) => {
    expect(readRating(text)).toEqual({ rating, reason });
  });

  it("does not guess at mixed or unrelated answers", () => {
    expect(readRating("师傅态度挺好，但是问题没彻底搞定")).toBeNull();
    expect(readRating("明天几点来")).toBeNull();
  });

  it("recognises a resident saying it is not solved", () => {
    expect(saysNotSolved("电梯又停了，根本没解决")).toBe(true);
    expect(saysNotSolved("电梯坏了")).toBe(false);
  });
});

describe("the LLM reads what the rules cannot", () => {
  it("rates a mixed answer through the configured endpoint", async () => {
    const llm = await startFakeLlm();
    try {
      const clock = new FakeClock(cst("2026-11-02T10:00"));
      const svc = await startService({ OPENAI_BASE_URL: llm.baseURL, LLM_MAX_RETRIES: "0" }, { clock: clock.now });
      open.push(svc);
      llm.script({ kind: "json", body: { matter_code: "DT01", urgency: "normal", confidence: 0.9, missing_info: [], rationale: "电梯故障" } });
      const opened = await svc.services.intake.receive(
        { channel: "simulator", messageId: "d1", chatId: "sim-yangguang-1", isGroup: true, senderId: "r1", text: "@小民 3号楼电梯坏了", mentionsBot: true },
        clock.now(),
      );
      const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: opened.case!.number } });
      await svc.services.cases.act(kase.id, { action: "resolve", actor: "unit", reason: "已修复", now: clock.now() });
      clock.advance(3600_000);
      await runFollowUp(svc.services);
      llm.script({ kind: "json", body: { rating: "basically_satisfied" } });
      const answer = await svc.services.intake.receive(
        { channel: "simulator", messageId: "d2", chatId: "sim-yangguang-1", isGroup: true, senderId: "r1", text: "@小民 师傅态度挺好，但是修得有点慢", mentionsBot: true },
        clock.now(),
      );
      expect(answer.replies[0].text).toContain("基本满意");
      expect(llm.requests.at(-1).messages[1].content).toBe("师傅态度挺好，但是修得有点慢");
      expect((await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id } })).satisfaction).toBe("basically_satisfied");
    } finally {
      await llm.close();
    }
  });
});

describe("local days off", () => {
  it("come from the calendar file and move deadlines", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "minhu-cal-"));
    const file = path.join(dir, "calendar.csv");
    writeFileSync(file, "date,type,note\n2026-11-30,off,区运动会调休\n2026-11-28,work,\n");
    const cal = calendarFromFile(file);
    expect(cal.isWorkingDay("2026-11-30")).toBe(false);
    expect(cal.isWorkingDay("2026-11-28")).toBe(true); // a Saturday worked
    expect(addWorkingDays(cal, cst("2026-11-27T15:00"), 2)).toEqual(cst("2026-12-01T18:00"));
    writeFileSync(file, "date,type\n30/11/2026,off\n");
    expect(() => calendarFromFile(file)).toThrow("line 2: 日期格式应为 YYYY-MM-DD");
  });
});

describe("quiet hours", () => {
  const w = { start: "21:00", end: "08:00" };
  it("span midnight", () => {
    expect(inQuietHours(cst("2026-11-02T20:59"), w)).toBe(false);
    expect(inQuietHours(cst("2026-11-02T21:00"), w)).toBe(true);
    expect(inQuietHours(cst("2026-11-03T07:59"), w)).toBe(true);
    expect(afterQuietHours(cst("2026-11-02T22:10"), w)).toEqual(cst("2026-11-03T08:00"));
    expect(afterQuietHours(cst("2026-11-03T09:00"), w)).toEqual(cst("2026-11-03T09:00"));
  });
});

describe("retention", () => {
  it("anonymises residents' data on cases closed long ago, and keeps the case for statistics", async () => {
    const clock = new FakeClock(cst("2024-01-08T10:00"));
    const svc = await startService({}, { clock: clock.now });
    open.push(svc);
    const r = await svc.services.intake.receive(
      { channel: "simulator", messageId: "ret-1", chatId: "sim-private-x", isGroup: false, senderId: "old-resident", senderName: "赵大爷", text: "3号楼电梯坏了，我电话13912345678", mentionsBot: false },
      clock.now(),
    );
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: r.case!.number } });
    await svc.services.cases.act(kase.id, { action: "resolve", actor: "unit", reason: "已修复", now: clock.now() });
    await svc.services.cases.act(kase.id, { action: "close", actor: "worker", now: clock.now() });
    clock.set(cst("2026-01-20T10:00")); // more than 730 days later
    await svc.services.db.job.updateMany({ where: { kind: "retention" }, data: { dueAt: clock.now() } });
    await runFollowUp(svc.services);
    const after = await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id }, include: { resident: true, messages: true, matter: true } });
    expect(after.anonymisedAt).toEqual(clock.now());
    expect(after.text).not.toContain("13912345678");
    expect(after.matter?.code).toBe("DT01");
    expect(after.resident).toMatchObject({ displayName: null, externalId: `anonymised-${after.residentId}` });
    expect(after.messages[0]).toMatchObject({ senderName: null });
    expect(after.messages[0].text).not.toContain("13912345678");
    // It runs again the next night.
    expect(await svc.services.db.job.count({ where: { kind: "retention", status: "pending", dueAt: cst("2026-01-21T03:00") } })).toBe(1);
  });
});

describe("the outbox", () => {
  it("queues a keyed message once, however often a retried job asks", async () => {
    const svc = await startService();
    open.push(svc);
    const m = { channel: "simulator", chatId: "sim-unit-wuye", isGroup: true, text: "【催办】…", kind: "chase", now: new Date(), dedupeKey: "job:42:c1" };
    const a = await queueMessage(svc.services.db, m);
    const b = await queueMessage(svc.services.db, m);
    expect(b.id).toBe(a.id);
    expect(await svc.services.db.outbox.count({ where: { dedupeKey: "job:42:c1" } })).toBe(1);
  });
});
