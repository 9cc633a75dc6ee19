// Follow-up under real-world conditions, on a fake clock: silence after the survey, quiet hours, downtime,
// two instances over one database, a failing delivery, a failing job.
import { fork } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock, HOUR, MINUTE } from "./helpers/clock.ts";
import { runFollowUp } from "../src/services.ts";
import { queueMessage } from "../src/outbox.ts";
import { fromRoot, ROOT } from "./helpers/paths.ts";

const open: TestService[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function start(clock: FakeClock, env: Record<string, string> = {}) {
  const svc = await startService(env, { clock: clock.now });
  open.push(svc);
  return svc;
}

let seq = 0;
async function appeal(svc: TestService, clock: FakeClock, text = "@小民 3号楼电梯坏了两天了，老人上下楼很困难", senderId = "r1") {
  const r = await svc.services.intake.receive(
    { channel: "simulator", messageId: `rel-${++seq}`, chatId: "sim-yangguang-1", isGroup: true, senderId, senderName: "张阿姨", text, mentionsBot: true },
    clock.now(),
  );
  await svc.services.dispatcher.flush(clock.now());
  return r.case!.number;
}

async function unitSays(svc: TestService, clock: FakeClock, text: string) {
  const r = await svc.services.intake.receive(
    { channel: "simulator", messageId: `rel-${++seq}`, chatId: "sim-unit-wuye", isGroup: true, senderId: "u1", senderName: "物业小王", text, mentionsBot: false },
    clock.now(),
  );
  await svc.services.dispatcher.flush(clock.now());
  return r.replies[0]?.text ?? "";
}

async function runUntil(svc: TestService, clock: FakeClock, to: Date, step = 15 * MINUTE) {
  while (clock.now() < to) {
    clock.set(new Date(Math.min(clock.now().getTime() + step, to.getTime())));
    await runFollowUp(svc.services);
  }
}

const sent = (svc: TestService, where: Record<string, unknown> = {}) =>
  svc.services.db.outbox.findMany({ where: { status: "sent", ...where }, orderBy: { id: "asc" } });

describe("the survey when the resident does not answer", () => {
  it("reminds once after a day and records 未评价 after three", async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00")); // a Monday
    const svc = await start(clock);
    const number = await appeal(svc, clock);
    await unitSays(svc, clock, `${number} 已办结 已修复`);
    await runUntil(svc, clock, cst("2026-11-06T12:00"));
    const surveys = await sent(svc, { kind: "survey" });
    expect(surveys.map((s) => s.sentAt)).toEqual([cst("2026-11-02T11:00"), cst("2026-11-03T11:00")]);
    expect(surveys[1].text).toContain("还没有评价");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
    expect(kase).toMatchObject({ status: "closed", satisfaction: "not_evaluated", closedAt: cst("2026-11-05T11:00") });
    // A late answer is no longer taken as a rating.
    const late = await svc.services.intake.receive(
      { channel: "simulator", messageId: `rel-${++seq}`, chatId: "sim-yangguang-1", isGroup: true, senderId: "r1", text: "1", mentionsBot: false },
      clock.now(),
    );
    expect(late.outcome).toBe("not_addressed");
  });

  it("understands answers in words, and 没解决 said on the resident's own", async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00"));
    const svc = await start(clock);
    const number = await appeal(svc, clock);
    await unitSays(svc, clock, `${number} 已办结 已修复`);
    await runUntil(svc, clock, cst("2026-11-02T11:00"));
    const reply = await svc.services.intake.receive(
      { channel: "simulator", messageId: `rel-${++seq}`, chatId: "sim-yangguang-1", isGroup: true, senderId: "r1", text: "@小民 还行吧，就是慢了点", mentionsBot: true },
      clock.now(),
    );
    expect(reply.replies[0].text).toContain("基本满意");
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number } })).satisfaction).toBe("basically_satisfied");

    clock.advance(2 * 86400_000);
    const complaint = await svc.services.intake.receive(
      { channel: "simulator", messageId: `rel-${++seq}`, chatId: "sim-yangguang-1", isGroup: true, senderId: "r1", text: "@小民 电梯又停了，根本没解决", mentionsBot: true },
      clock.now(),
    );
    expect(complaint.replies[0].text).toContain("重新交办");
    expect(await svc.services.db.case.findUniqueOrThrow({ where: { number } })).toMatchObject({ status: "reopened", reworkCount: 1 });
  });
});

describe("quiet hours", () => {
  it("hold news for residents until morning but not escalations to the community", async () => {
    const clock = new FakeClock(cst("2026-11-02T18:00"));
    const svc = await start(clock);
    const number = await appeal(svc, clock); // response due 22:00
    clock.set(cst("2026-11-02T21:30"));
    await svc.services.cases.addNote(
      (await svc.services.db.case.findUniqueOrThrow({ where: { number } })).id,
      { actor: "worker", text: "维修人员明早到场", isPublic: true, now: clock.now() },
    );
    await runUntil(svc, clock, cst("2026-11-03T07:45"));
    const night = await sent(svc, { sentAt: { gt: cst("2026-11-02T21:00") } });
    // Units are chased and the community is told at night; the resident is not.
    expect(night.map((m) => `${m.kind}:${m.chatId}`)).toEqual(["chase:sim-unit-wuye", "escalation:sim-community-xingfu", "escalation:sim-unit-wuye"]);
    await runUntil(svc, clock, cst("2026-11-03T08:15"));
    const morning = await sent(svc, { kind: "progress" });
    expect(morning).toHaveLength(1);
    expect(morning[0].sentAt).toEqual(cst("2026-11-03T08:00"));
    expect(morning[0].text).toContain("维修人员明早到场");
  });

  it("never hold the reply to a resident who just wrote", async () => {
    const clock = new FakeClock(cst("2026-11-02T23:30"));
    const svc = await start(clock);
    await appeal(svc, clock);
    expect((await sent(svc, { kind: "reply" })).map((m) => m.sentAt)).toEqual([cst("2026-11-02T23:30")]);
  });
});

describe("after downtime", () => {
  it("runs missed work once, not once per missed tick, and only what still makes sense", async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00"));
    const svc = await start(clock);
    const number = await appeal(svc, clock);
    // The service is down from 10:00 to 17:00: both response reminders and the escalation fell due meanwhile.
    clock.set(cst("2026-11-02T17:00"));
    await runFollowUp(svc.services);
    await runFollowUp(svc.services);
    const rows = await sent(svc, { kind: { in: ["chase", "escalation"] } });
    expect(rows.map((m) => `${m.kind}:${m.chatId}`)).toEqual(["escalation:sim-community-xingfu", "escalation:sim-unit-wuye"]);
    const jobs = await svc.services.db.job.findMany({ where: { case: { number }, kind: "chase", dedupeKey: { contains: ":response:" } } });
    expect(jobs.map((j) => j.outcome)).toEqual(["limit passed: escalation speaks instead", "limit passed: escalation speaks instead"]);
  });

  it("sends a message a stopped process had claimed once that claim's lease has run out, and not before", async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00"));
    const svc = await start(clock);
    const { db } = svc.services;
    // Claimed by a process that stopped before sending it: "sending", leased for a minute, one attempt counted.
    const row = await queueMessage(db, { channel: "simulator", chatId: "sim-unit-wuye", isGroup: true, text: "请处理 3号楼电梯", now: clock.now() });
    await db.outbox.update({ where: { id: row.id }, data: { status: "sending", leaseUntil: new Date(clock.now().getTime() + MINUTE), attempts: 1 } });
    await svc.services.dispatcher.flush(clock.now());
    expect(await db.outbox.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "sending", attempts: 1 });
    clock.advance(MINUTE + 1000);
    await svc.services.dispatcher.flush(clock.now());
    expect(await db.outbox.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "sent", attempts: 2, leaseUntil: null, sentAt: clock.now() });
    await svc.services.dispatcher.flush(clock.now());
    expect(await db.outbox.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "sent", attempts: 2 });
  });
});

describe("two instances over one database", () => {
  it("send every message exactly once", async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00"));
    const a = await start(clock);
    // The second instance is another process, as it would be in production.
    const b = fork(fromRoot("test/helpers/instance.ts"), [], {
      cwd: ROOT,
      execArgv: ["--import", "tsx"],
      env: { ...process.env, DATABASE_URL: a.services.config.DATABASE_URL, START_AT: clock.now().toISOString() },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const replies: ((m: any) => void)[] = [];
    b.on("message", (m) => replies.shift()?.(m));
    const next = () => new Promise<any>((resolve) => replies.push(resolve));
    await next(); // ready

    const sends = new Map<number, number>();
    const count = (id: number) => sends.set(id, (sends.get(id) ?? 0) + 1);
    a.services.channels.get("simulator")!.send = async (m) => {
      count(m.outboxId);
      await new Promise((r) => setTimeout(r, 2));
    };
    try {
      for (let i = 0; i < 5; i++) await appeal(a, clock, `@小民 ${i + 1}号楼电梯坏了，困了好久`, `r${i}`);
      // Both instances tick at once on most ticks; on every third only B, on the one after only A, so each is
      // sure to do some of the work (at once, whichever claims first may take a tick's whole batch).
      for (let t = 0; t < 40; t++) {
        clock.advance(30 * MINUTE);
        const aTicks = t % 3 !== 0;
        const bTicks = t % 3 !== 1;
        const fromB = bTicks ? next() : Promise.resolve({ sent: [] });
        if (bTicks) b.send({ tick: clock.now().toISOString() });
        const [, { sent }] = await Promise.all([aTicks ? runFollowUp(a.services) : null, fromB]);
        for (const id of sent as number[]) count(id);
      }
      const rows = await a.services.db.outbox.findMany({ where: { channel: "simulator" } });
      expect(rows.length).toBeGreaterThan(20);
      expect(rows.every((r) => r.status === "sent")).toBe(true);
      expect([...sends.values()].every((n) => n === 1)).toBe(true);
      expect(sends.size).toBe(rows.length);
      const jobs = await a.services.db.job.findMany({ where: { status: { in: ["done", "skipped"] } } });
      expect(jobs.length).toBeGreaterThan(10);
      expect(jobs.filter((j) => j.attempts !== 1).map((j) => [j.kind, j.attempts, j.lastError])).toEqual([]);
      // Both instances did some of the work.
      expect(new Set(jobs.map((j) => j.leaseOwner)).size).toBe(2);
    } finally {
      b.send({ stop: true });
    }
  });
});

describe("failures", () => {
  it("a failing webhook delivery backs off and succeeds later, once", async () => {
    let calls = 0;
    const received: unknown[] = [];
    const hook = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        calls++;
        if (calls <= 2) {
          res.writeHead(502).end();
          return;
        }
        received.push(JSON.parse(body));
        res.writeHead(200, { "content-type": "application/json" }).end('{"errcode":0,"errmsg":"ok"}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    try {
      const clock = new FakeClock(cst("2026-11-02T10:00"));
      const svc = await start(clock);
      const unit = await svc.services.db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } });
      await svc.services.db.unitContact.deleteMany({ where: { unitId: unit.id } });
      await svc.services.db.unitContact.create({ data: { unitId: unit.id, kind: "webhook", address: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` } });
      await appeal(svc, clock);
      const row = () => svc.services.db.outbox.findFirstOrThrow({ where: { channel: "webhook" } });
      expect(await row()).toMatchObject({ status: "pending", attempts: 1, lastError: "webhook answered HTTP 502" });
      expect((await row()).nextAttemptAt).toEqual(cst("2026-11-02T10:00:30"));
      clock.advance(30_000);
      await svc.services.dispatcher.flush(clock.now());
      expect(await row()).toMatchObject({ status: "pending", attempts: 2 });
      expect((await row()).nextAttemptAt).toEqual(cst("2026-11-02T10:01:30")); // then 60 s
      clock.advance(30_000);
      await svc.services.dispatcher.flush(clock.now()); // not yet due
      expect(calls).toBe(2);
      clock.advance(30_000);
      await svc.services.dispatcher.flush(clock.now());
      await svc.services.dispatcher.flush(clock.now());
      expect(await row()).toMatchObject({ status: "sent", attempts: 3, lastError: null });
      expect(received).toEqual([{ msgtype: "text", text: { content: expect.stringContaining("【新工单】") } }]);
    } finally {
      hook.close();
    }
  });

  it("a failing job is retried with back-off and its error recorded", async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00"));
    const svc = await start(clock);
    const job = await svc.services.db.job.create({ data: { kind: "chase", caseId: null, dueAt: clock.now(), dedupeKey: "chase:broken", payload: { phase: "response", round: 0 } } });
    await runFollowUp(svc.services);
    let row = await svc.services.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row.lastError).toBeTruthy();
    expect(row.dueAt).toEqual(cst("2026-11-02T10:01"));
    clock.advance(MINUTE);
    await runFollowUp(svc.services);
    row = await svc.services.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "pending", attempts: 2 });
    expect(row.dueAt).toEqual(cst("2026-11-02T10:06"));
    clock.advance(HOUR * 24);
    for (let i = 0; i < 6; i++) {
      clock.advance(HOUR * 7);
      await runFollowUp(svc.services);
    }
    expect(await svc.services.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "failed", attempts: 6 });
  });
});

describe("units in their work group", () => {
  it("cannot act on another unit's case, and get the lifecycle's reason when an action does not fit", async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00"));
    const svc = await start(clock);
    const pension = await appeal(svc, clock, "@小民 养老保险断缴了几年，现在怎么补缴");
    expect(await unitSays(svc, clock, `${pension} 签收`)).toBe(`未能处理：未找到该工单，或您无权查看（${pension}）`);
    const lamp = await appeal(svc, clock, "@小民 小区北门外那段路的路灯不亮了，晚上很黑"); // the property company cooperates
    expect(await unitSays(svc, clock, `${lamp} 签收`)).toBe("未能处理：配合单位只能添加进展或备注");
    expect(await unitSays(svc, clock, `${lamp} 进展 已联系市政，今晚派人`)).toBe(`已记录：工单 ${lamp} 进展已告知居民。`);
    const lift = await appeal(svc, clock);
    expect(await unitSays(svc, clock, `${lift} 已办结`)).toBe("未能处理：办结需要填写办理结果");
    expect(await unitSays(svc, clock, `${lift} 已办结 已修好`)).toContain("已办结");
    expect(await unitSays(svc, clock, `${lift} 签收`)).toBe("未能处理：工单当前状态为“已办结”，不能签收");
    expect(await unitSays(svc, clock, "@小民 怎么操作")).toContain("格式：工单号");
  });
});
