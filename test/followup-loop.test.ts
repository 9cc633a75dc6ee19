// The closed loop on a fake clock, through the real scheduler, intake and outbox over a real SQLite file:
// 受理 → 派单 → 催办 → 督办 → 签收 → 办结 → 回访 → 不满意 → 重办 → 办结 → 回访 → 满意 → 结案,
// across the National Day holiday and its make-up working day.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock, HOUR, MINUTE } from "./helpers/clock.ts";
import { runFollowUp } from "../src/services.ts";

const clock = new FakeClock(cst("2026-09-30T10:00"));
let svc: TestService;
let seq = 0;

beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
});
afterAll(async () => {
  await svc.close();
});

async function say(chatId: string, senderId: string, text: string, mentionsBot = true) {
  const result = await svc.services.intake.receive(
    { channel: "simulator", messageId: `loop-${++seq}`, chatId, chatName: undefined, isGroup: true, senderId, senderName: senderId === "r1" ? "张阿姨" : "物业小王", text, mentionsBot },
    clock.now(),
  );
  await svc.services.dispatcher.flush(clock.now());
  return result;
}

/** Lets time pass in 15-minute ticks of the scheduler, as node-cron would drive it. */
async function runUntil(to: Date) {
  while (clock.now() < to) {
    clock.set(new Date(Math.min(clock.now().getTime() + 15 * MINUTE, to.getTime())));
    await runFollowUp(svc.services);
  }
}

/** Sent messages since the last call, as [kind, chat, China time sent]. */
let seen = 0;
async function sentSinceLastLook() {
  const rows = await svc.services.db.outbox.findMany({ where: { status: "sent", id: { gt: seen } }, orderBy: { id: "asc" } });
  if (rows.length) seen = rows.at(-1)!.id;
  return rows.map((r) => ({ kind: r.kind, chat: r.chatId, at: new Date(r.sentAt!.getTime() + 8 * HOUR).toISOString().slice(5, 16), text: r.text }));
}
const brief = (rows: { kind: string; chat: string; at: string }[]) => rows.map((r) => `${r.at} ${r.kind} → ${r.chat}`);

describe("the follow-up loop", () => {
  // One story, told in order: each step starts from the case, the clock and the outbox the step before left,
  // so it is one test (run alone or shuffled, no step finds another's state missing). Twenty days of 15-minute
  // ticks were six tests' work: the time allowed is theirs together, not one test's 30 s.
  it("takes a lift case round the whole loop across the National Day holiday: 派单, 催办, 督办, 签收, 办结, 回访, 不满意 → 重办, 办结, 回访, 满意 → 结案", { timeout: 180_000 }, async () => {
    let number = "";
    {
      // Opens and dispatches the case with limits on the working-day calendar.
      const opened = await say("sim-yangguang-1", "r1", "@小民 3号楼电梯坏了两天了，老人上下楼很困难");
      number = opened.case!.number;
      expect(opened.case!.status).toBe("dispatched");
      const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
      expect(kase.responseDueAt).toEqual(cst("2026-09-30T14:00")); // 4 hours
      // 3 working days: 10/1–10/7 are off, 10/8 Thu, 10/9 Fri, 10/10 the make-up Saturday.
      expect(kase.resolveDueAt).toEqual(cst("2026-10-10T18:00"));
      expect(brief(await sentSinceLastLook())).toEqual([
        "09-30T10:00 reply → sim-yangguang-1",
        "09-30T10:00 unit_dispatch → sim-unit-wuye",
      ]);
    }

    {
      // Chases the unit before the response limit and escalates after it, first to the community, then the street.
      await runUntil(cst("2026-10-01T15:00"));
      const rows = await sentSinceLastLook();
      expect(brief(rows)).toEqual([
        "09-30T12:00 chase → sim-unit-wuye", // 50% of 4 hours
        "09-30T13:15 chase → sim-unit-wuye", // 80% (13:12), at the next tick
        "09-30T14:00 escalation → sim-community-xingfu",
        "09-30T14:00 escalation → sim-unit-wuye",
        "10-01T14:00 escalation → sim-street", // still not responded 24 hours later
        "10-01T14:00 escalation → sim-unit-wuye",
      ]);
      expect(rows[0].text).toContain(`【催办】工单 ${number}`);
      expect(rows[2].text).toContain("【督办】");
      expect((await svc.services.db.case.findUniqueOrThrow({ where: { number } })).escalationLevel).toBe(2);
    }

    {
      // Takes the unit's 签收 from its work group, and says nothing to the unit over the holiday.
      const ack = await say("sim-unit-wuye", "u1", `${number} 签收`, false);
      expect(ack.replies[0].text).toBe(`已记录：工单 ${number} 已签收。`);
      await runUntil(cst("2026-10-08T08:00"));
      // Over the holiday only the resident hears, every 3 days without news; the resolve-phase reminder at 50%
      // (10/5, a holiday) waits for the next working morning.
      expect(brief(await sentSinceLastLook())).toEqual([
        "10-01T15:00 reply → sim-unit-wuye",
        "10-03T10:00 progress → sim-yangguang-1",
        "10-06T10:00 progress → sim-yangguang-1",
      ]);
      await runUntil(cst("2026-10-08T17:00"));
      expect(brief(await sentSinceLastLook())).toEqual([
        "10-08T09:00 chase → sim-unit-wuye", // 50%, moved to the first working morning
        "10-08T16:30 chase → sim-unit-wuye", // 80% (16:24)
      ]);
    }

    {
      // Tells the resident when it is resolved, then asks whether they are satisfied.
      clock.set(cst("2026-10-09T11:00"));
      await say("sim-unit-wuye", "u1", `${number} 已办结 已更换电梯主板，运行正常`, false);
      await runUntil(cst("2026-10-09T12:30"));
      const rows = await sentSinceLastLook();
      expect(brief(rows)).toEqual([
        "10-09T11:00 progress → sim-yangguang-1",
        "10-09T11:00 reply → sim-unit-wuye",
        "10-09T12:00 survey → sim-yangguang-1",
      ]);
      expect(rows[0].text).toContain("已更换电梯主板");
      expect(rows[2].text).toContain("1 满意");
      expect((await svc.services.db.case.findUniqueOrThrow({ where: { number } })).status).toBe("awaiting_feedback");
    }

    {
      // Reopens the case for rework on 不满意, with fresh limits, and tells the unit.
      const answer = await say("sim-yangguang-1", "r1", "3 电梯还是有异响", false);
      expect(answer.replies[0].text).toContain("重新交办");
      const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { events: true } });
      expect(kase).toMatchObject({ status: "reopened", reworkCount: 1, satisfaction: "dissatisfied", respondedAt: null });
      // 3 working days from Friday 10/9: Saturday 10/10 (make-up), Monday 10/12, Tuesday 10/13.
      expect(kase.resolveDueAt).toEqual(cst("2026-10-13T18:00"));
      expect(kase.events.at(-1)).toMatchObject({ type: "reopen", actor: "resident", note: "居民不满意：电梯还是有异响" });
      const rows = await sentSinceLastLook();
      expect(brief(rows)).toEqual(["10-09T12:30 unit_rework → sim-unit-wuye", "10-09T12:30 reply → sim-yangguang-1"]);
      expect(rows[0].text).toContain("电梯还是有异响");
    }

    {
      // Runs a second survey after the rework and closes on 满意.
      clock.set(cst("2026-10-12T10:00"));
      await say("sim-unit-wuye", "u1", `${number} 已办结 更换了曳引机轴承`, false);
      await runUntil(cst("2026-10-12T11:00"));
      expect(brief(await sentSinceLastLook())).toEqual([
        "10-12T10:00 progress → sim-yangguang-1",
        "10-12T10:00 reply → sim-unit-wuye",
        "10-12T11:00 survey → sim-yangguang-1",
      ]);
      const answer = await say("sim-yangguang-1", "r1", "1", false);
      expect(answer.replies[0].text).toBe(`感谢您的评价（满意），工单 ${number} 已结案。`);
      expect(brief(await sentSinceLastLook())).toEqual(["10-12T11:00 reply → sim-yangguang-1"]);
      const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { events: { orderBy: { id: "asc" } } } });
      expect(kase).toMatchObject({ status: "closed", satisfaction: "satisfied" });
      // The log tells the whole story in order.
      // (units_resolved: the lift's lead role 小区物业, filled for 幸福社区.)
      expect(kase.events.map((e) => e.type)).toEqual([
        "opened", "units_resolved", "dispatch", "chased", "chased", "escalated", "escalated", "accept", "chased", "chased",
        "resolve", "request_feedback", "reopen", "resolve", "request_feedback", "evaluate_ok",
      ]);
      // Nothing is left to do for a closed case.
      await runUntil(cst("2026-10-20T10:00"));
      expect(await sentSinceLastLook()).toEqual([]);
      expect(await svc.services.db.job.count({ where: { caseId: kase.id, status: "pending" } })).toBe(0);
    }
  });
});
