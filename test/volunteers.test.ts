// Volunteers and 党员中心户 on a fake clock, through the real intake, scheduler and outbox over a real SQLite file:
// a 志愿者可认领 appeal (独居老人关爱, YL02 in the seed) offered to the grid's volunteers, claimed and done (rating,
// hours), or unclaimed and handed on after the set time; two claims at once; a claim from another grid; a
// building's 党员中心户 told (masked) and writing a visit; the monthly ranking. The seed has 李红 and 王志强 in
// 幸福社区第一网格 (sim-yangguang-1's grid), 陈芳 in the second, and a household for 9号楼 and 10号楼 there.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock, HOUR, MINUTE } from "./helpers/clock.ts";
import { runFollowUp } from "../src/services.ts";
import { monthlyRanking } from "../src/volunteers/ranking.ts";
import { adminAndWorker, callAs } from "./helpers/session.ts";

const LONELY = "@小民 我们楼有个独居老人好几天没见出门了，没人照顾，能不能帮忙买点菜";
let clock: FakeClock;
let svc: TestService;
let seq = 0;

beforeEach(async () => {
  clock = new FakeClock(cst("2026-10-12T10:00"));
  svc = await startService({}, { clock: clock.now });
});
afterEach(async () => {
  await svc.close();
});

async function say(chatId: string, senderId: string, text: string, isGroup = true) {
  const result = await svc.services.intake.receive(
    { channel: "simulator", messageId: `vol-${++seq}-${Math.random()}`, chatId, isGroup, senderId, senderName: senderId === "r1" ? "张阿姨" : senderId, text, mentionsBot: isGroup },
    clock.now(),
  );
  await svc.services.dispatcher.flush(clock.now());
  return result;
}
/** A volunteer or household writes in their own (private) simulator chat. */
const helperSays = (address: string, text: string) => say(address, address, text, false);
const outboxTo = (chatId: string) => svc.services.db.outbox.findMany({ where: { chatId }, orderBy: { id: "asc" } });
const kaseOf = (number: string) => svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { volunteerTask: { include: { volunteer: true } }, events: { orderBy: { id: "asc" } } } });

async function runUntil(to: Date) {
  while (clock.now() < to) {
    clock.set(new Date(Math.min(clock.now().getTime() + 15 * MINUTE, to.getTime())));
    await runFollowUp(svc.services);
  }
}

/** The appeal, in the first grid's group (or a private chat naming 3号楼 there), offered to its volunteers. */
async function offered(privately = false) {
  const opened = privately ? await say("sim-private-r1", "r1", LONELY.replace("@小民 我们楼", "3号楼"), false) : await say("sim-yangguang-1", "r1", LONELY);
  expect(opened.case?.matterCode).toBe("YL02");
  expect(opened.case?.status).toBe("accepted");
  return opened.case!.number;
}

describe("a 志愿者可认领 appeal", () => {
  it("is offered to its grid's volunteers, not a unit; the first claim gets it, the resident hears who comes; done → rating and hours", async () => {
    const number = await offered(true);
    // Offered to both volunteers of the first grid, not to the second grid's, and to no unit.
    const offers = await svc.services.db.outbox.findMany({ where: { kind: "volunteer_offer" } });
    expect(offers.map((o) => o.chatId).sort()).toEqual(["sim-volunteer-li", "sim-volunteer-wang"]);
    expect(offers[0].text).toContain(`认领 ${number}`);
    expect(await svc.services.db.outbox.count({ where: { kind: "unit_dispatch" } })).toBe(0);
    expect((await outboxTo("sim-private-r1")).map((o) => o.kind)).toEqual(["reply", "progress"]);

    clock.advance(10 * MINUTE);
    const claim = await helperSays("sim-volunteer-li", `认领 ${number}`);
    expect(claim.outcome).toBe("volunteer_command");
    expect(claim.replies[0].text).toContain("认领成功");
    let kase = await kaseOf(number);
    expect(kase.status).toBe("in_progress");
    expect(kase.volunteerTask).toMatchObject({ status: "claimed", volunteer: { name: "李红" } });
    // The resident hears the name, and the phone number 李红 agreed to share; the other volunteer hears it is taken.
    const told = (await outboxTo("sim-private-r1")).at(-1)!;
    expect(told.text).toContain("志愿者李红认领");
    expect(told.text).toContain("13800001111");
    expect((await outboxTo("sim-volunteer-wang")).map((o) => o.kind)).toEqual(["volunteer_offer", "volunteer_taken"]);

    clock.advance(2 * HOUR);
    const done = await helperSays("sim-volunteer-li", `完成 ${number} 已帮忙买菜送到家 1.5小时`);
    expect(done.replies[0].text).toContain("1.5 小时");
    kase = await kaseOf(number);
    expect(kase.status).toBe("resolved");
    expect(kase.resolution).toBe("已帮忙买菜送到家");
    expect(kase.volunteerTask).toMatchObject({ status: "done", hours: 1.5 });
    expect(kase.events.map((e) => [e.type, e.actor])).toEqual([["opened", "bot"], ["units_resolved", "bot"], ["offer_volunteers", "bot"], ["volunteer_claim", "volunteer"], ["resolve", "volunteer"]]);

    // The existing survey asks the resident, who rates it.
    await runUntil(new Date(clock.now().getTime() + 90 * MINUTE));
    expect((await outboxTo("sim-private-r1")).map((o) => o.kind)).toContain("survey");
    await say("sim-private-r1", "r1", "1", false);
    kase = await kaseOf(number);
    expect(kase.status).toBe("closed");
    expect(kase.satisfaction).toBe("satisfied");
    // The offer's expiry stood down once it was claimed.
    const expiry = await svc.services.db.job.findFirstOrThrow({ where: { kind: "volunteer_unclaimed", caseId: kase.id } });
    expect(expiry.status).toBe("skipped");
  });

  it("goes to the lead unit when nobody claims it within the set time, and the resident is told", async () => {
    await svc.services.settings.update({ volunteerClaimMinutes: 30 });
    const number = await offered();
    await runUntil(new Date(clock.now().getTime() + 15 * MINUTE));
    expect((await kaseOf(number)).status).toBe("accepted");
    await runUntil(new Date(clock.now().getTime() + 30 * MINUTE));
    const kase = await kaseOf(number);
    expect(kase.status).toBe("dispatched");
    expect(kase.volunteerTask?.status).toBe("expired");
    // The seeded 居委会 has no chat: the dispatch is recorded as unreachable, as any unit's would be.
    expect(kase.events.map((e) => e.type)).toEqual(["opened", "units_resolved", "offer_volunteers", "volunteer_unclaimed", "dispatch", "unit_unreachable"]);
    expect(kase.leadUnitId).not.toBeNull();
    expect((await outboxTo("sim-yangguang-1")).at(-1)!.text).toContain("暂时没有志愿者认领，已转交幸福社区居委会办理");
    // A late claim is refused, saying why.
    const late = await helperSays("sim-volunteer-wang", `认领 ${number}`);
    expect(late.replies[0].text).toContain("认领时限已过");
    expect((await kaseOf(number)).volunteerTask?.volunteerId).toBeNull();
  });

  it("goes to the grid's worker when cases are not sent to units by themselves", async () => {
    await svc.services.settings.update({ volunteerClaimMinutes: 15, autoDispatch: false });
    const number = await offered();
    await runUntil(new Date(clock.now().getTime() + 30 * MINUTE));
    const kase = await kaseOf(number);
    expect(kase.status).toBe("accepted");
    expect(kase.volunteerTask?.status).toBe("expired");
    const grid = await outboxTo("sim-grid-1");
    expect(grid.map((o) => o.kind)).toEqual(["volunteer_unclaimed"]);
    expect(grid[0].text).toContain(number);
  });

  it("two volunteers claiming at once: exactly one wins, the other is told it is taken", async () => {
    const number = await offered();
    const [a, b] = await Promise.all([helperSays("sim-volunteer-li", `认领 ${number}`), helperSays("sim-volunteer-wang", `认领 ${number}`)]);
    const texts = [a.replies[0].text, b.replies[0].text];
    expect(texts.filter((t) => t.includes("认领成功"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes("已被其他志愿者认领"))).toHaveLength(1);
    const kase = await kaseOf(number);
    const winner = texts[0].includes("认领成功") ? "李红" : "王志强";
    expect(kase.volunteerTask?.volunteer?.name).toBe(winner);
    expect(kase.events.filter((e) => e.type === "volunteer_claim")).toHaveLength(1);
    expect(await svc.services.db.outbox.count({ where: { caseId: kase.id, kind: "progress", text: { contains: "认领，将尽快" } } })).toBe(1);
  });

  it("attack: a volunteer of another grid can neither claim it nor learn it exists", async () => {
    const number = await offered();
    const claim = await helperSays("sim-volunteer-chen", `认领 ${number}`);
    const missing = await helperSays("sim-volunteer-chen", "认领 2099-999999");
    expect(claim.replies[0].text).toBe(missing.replies[0].text.replace("2099-999999", number));
    expect(claim.replies[0].text).toContain("未找到该工单");
    const kase = await kaseOf(number);
    expect(kase.status).toBe("accepted");
    expect(kase.volunteerTask).toMatchObject({ status: "offered", volunteerId: null });
    // Nor may a volunteer who did not claim it report it done.
    await helperSays("sim-volunteer-li", `认领 ${number}`);
    // In the residents' group the claimer's phone number is never posted, consent or not.
    const told = (await outboxTo("sim-yangguang-1")).at(-1)!;
    expect(told.text).toContain("志愿者李红认领");
    expect(told.text).not.toContain("13800001111");
    const done = await helperSays("sim-volunteer-wang", `完成 ${number} 帮完了 1小时`);
    expect(done.replies[0].text).toContain("不是您认领的");
    expect((await kaseOf(number)).status).toBe("in_progress");
  });

  it("tells a volunteer how to write a claim, and takes anything else a volunteer writes as a resident's message", async () => {
    const help = await helperSays("sim-volunteer-li", "认领");
    expect(help.outcome).toBe("volunteer_command");
    expect(help.replies[0].text).toContain("认领 2026-000123");
    const own = await helperSays("sim-volunteer-li", "3号楼电梯坏了两天了");
    expect(own.outcome).toBe("appeal");
  });

  it("reaches a volunteer on any channel the service has: one on the HTTP channel is offered it and claims it there", async () => {
    const { admin } = await adminAndWorker(svc, "httpvol");
    const grid = await svc.services.db.area.findFirstOrThrow({ where: { level: "grid", name: "幸福社区第一网格" } });
    for (const channel of ["wechat-mp", "wecom-kf"]) {
      expect((await callAs(svc, admin, "POST", "/api/admin/volunteers", { name: `测试${channel}`, gridId: grid.id, channel, address: `${channel}-vol`, active: false })).status).toBe(201);
    }
    const added = await callAs(svc, admin, "POST", "/api/admin/volunteers", { name: "孙平", gridId: grid.id, channel: "http", address: "app-user-sun" });
    expect(added.status).toBe(201);
    const number = await offered();
    const offer = await svc.services.db.outbox.findFirstOrThrow({ where: { kind: "volunteer_offer", chatId: "app-user-sun" } });
    expect(offer).toMatchObject({ channel: "http", isGroup: false });
    expect(offer.text).toContain(`认领 ${number}`);
    const claim = await svc.post("/api/channels/http/messages", { messageId: `http-claim-${number}`, chatId: "app-user-sun", isGroup: false, senderId: "app-user-sun", senderName: "孙平", text: `认领 ${number}` });
    expect(claim.status).toBe(200);
    expect(JSON.stringify(claim.body)).toContain("认领成功");
    expect((await kaseOf(number)).volunteerTask).toMatchObject({ status: "claimed", volunteer: { name: "孙平" } });
  });

  it("is not offered when the grid has no active volunteers: dispatched as before", async () => {
    await svc.services.db.volunteer.updateMany({ data: { active: false } });
    const opened = await say("sim-yangguang-1", "r1", LONELY);
    expect(opened.case?.status).toBe("dispatched");
    expect(await svc.services.db.volunteerTask.count()).toBe(0);
  });
});

describe("党员中心户", () => {
  it("hears of an appeal from its building, masked (no resident's name or phone), and records a visit from its chat", async () => {
    const opened = await say("sim-xingfu-2", "刘秀英", "@小民 我是刘秀英，9号楼有个独居老人好几天没见出门了，我电话13912345678");
    const number = opened.case!.number;
    const [notice] = await outboxTo("sim-household-zhang");
    expect(notice.kind).toBe("household_notice");
    expect(notice.text).toContain("9号楼");
    expect(notice.text).toContain(number);
    expect(notice.text).not.toContain("13912345678");
    expect(notice.text).not.toContain("刘秀英");

    const visit = await helperSays("sim-household-zhang", `走访 ${number} 已上门看望，老人身体无大碍`);
    expect(visit.replies[0].text).toContain("已记录走访");
    const note = await helperSays("sim-household-zhang", `备注 ${number} 家属下周回来`);
    expect(note.replies[0].text).toContain("已备注");
    const kase = await kaseOf(number);
    const household = await svc.services.db.partyHousehold.findFirstOrThrow({ where: { address: "sim-household-zhang" } });
    expect(kase.events.map((e) => e.type)).toContain("household_notified");
    // The visit is an event of its own with the household; a note stays an internal note.
    expect(kase.events.find((e) => e.type === "household_visit")).toMatchObject({ actor: "household", note: "已上门看望，老人身体无大碍", data: { householdId: household.id } });
    expect(kase.events.filter((e) => e.type === "internal_note").map((e) => [e.actor, e.note])).toEqual([["household", "家属下周回来"]]);
    expect(kase.status).toBe(opened.case!.status);

    // The case detail's timeline shows the visit as such, with the household.
    const { admin } = await adminAndWorker(svc, "visit");
    const detail = await callAs(svc, admin, "GET", `/api/cases/${number}`);
    expect(detail.body.events.find((e: any) => e.type === "household_visit")).toMatchObject({ actorLabel: "党员中心户", household: "张建国家（党员中心户）", note: "已上门看望，老人身体无大碍" });
    expect(detail.body.events.find((e: any) => e.type === "internal_note")).not.toHaveProperty("household");
  });

  it("has a visit recorded by an administrator as the same event", async () => {
    const opened = await say("sim-xingfu-2", "r9", "@小民 10号楼楼道灯坏了");
    const household = await svc.services.db.partyHousehold.findFirstOrThrow({ where: { address: "sim-household-zhang" } });
    const { admin } = await adminAndWorker(svc, "visit2");
    const res = await callAs(svc, admin, "POST", `/api/admin/households/${household.id}/notes`, { number: opened.case!.number, text: "电话回访，灯已报修", visit: true });
    expect(res.status).toBe(201);
    const kase = await kaseOf(opened.case!.number);
    expect(kase.events.filter((e) => e.type === "household_visit").map((e) => [e.note, e.actorId])).toEqual([["电话回访，灯已报修", expect.stringMatching(/^user:\d+$/)]]);
    expect(kase.events.map((e) => e.type)).not.toContain("internal_note");
  });

  it("attack: cannot note a case of a building it does not look after", async () => {
    const opened = await say("sim-yangguang-1", "r1", "@小民 3号楼电梯坏了两天了");
    expect(await svc.services.db.outbox.count({ where: { chatId: "sim-household-zhang" } })).toBe(0);
    const note = await helperSays("sim-household-zhang", `备注 ${opened.case!.number} 看看`);
    expect(note.replies[0].text).toContain("未找到该工单");
    expect((await kaseOf(opened.case!.number)).events.map((e) => e.type)).not.toContain("internal_note");
  });
});

describe("a volunteer's own chat", () => {
  it("我的任务 lists the tasks they claimed and have not done, masked; done ones leave the list", async () => {
    const none = await helperSays("sim-volunteer-li", "我的任务");
    expect(none.outcome).toBe("volunteer_command");
    expect(none.replies[0].text).toContain("您目前没有认领中的诉求");
    const first = await offered(true);
    clock.advance(MINUTE);
    const second = await offered();
    await helperSays("sim-volunteer-li", `认领 ${first}`);
    await helperSays("sim-volunteer-li", `认领 ${second}`);
    const mine = await helperSays("sim-volunteer-li", "我的任务");
    expect(mine.replies[0].text).toContain("共 2 件");
    expect(mine.replies[0].text).toContain(`${first} 独居老人关爱（3号楼`);
    expect(mine.replies[0].text).toContain(`${second} 独居老人关爱`);
    expect(mine.replies[0].text.indexOf(first)).toBeLessThan(mine.replies[0].text.indexOf(second));
    // The other volunteer of the grid claimed none of them.
    expect((await helperSays("sim-volunteer-wang", "我的任务")).replies[0].text).toContain("您目前没有认领中的诉求");

    await helperSays("sim-volunteer-li", `完成 ${first} 已帮忙买菜 1小时`);
    const left = (await helperSays("sim-volunteer-li", "我的任务？")).replies[0].text;
    expect(left).toContain("共 1 件");
    expect(left).not.toContain(first);
    expect(left).toContain(second);
  });

  it("我的时长 gives this month's count and hours by China time, at the month's edge", async () => {
    const li = await svc.services.db.volunteer.findFirstOrThrow({ where: { name: "李红" } });
    const doneAt = async (at: Date, hours: number) => {
      const kase = await kaseOf(await offered());
      await svc.services.db.volunteerTask.update({ where: { caseId: kase.id }, data: { status: "done", volunteerId: li.id, doneAt: at, hours } });
    };
    await doneAt(cst("2026-10-03T09:00"), 1.5);
    await doneAt(cst("2026-10-31T23:30"), 2);
    await doneAt(cst("2026-10-01T00:30"), 1); // September 30 in UTC, October in China: counted
    await doneAt(cst("2026-09-30T23:30"), 4); // September in China: not counted
    clock.set(cst("2026-10-31T23:50"));
    expect((await helperSays("sim-volunteer-li", "我的时长")).replies[0].text).toBe("2026年10月您已完成志愿服务 3 次，共 4.5 小时。谢谢您的付出！");
    // Ten minutes past midnight in China (still October 31 in UTC): a new month, nothing yet.
    clock.set(cst("2026-11-01T00:10"));
    await doneAt(cst("2026-11-01T00:05"), 0.5);
    expect((await helperSays("sim-volunteer-li", "我的时长")).replies[0].text).toBe("2026年11月您已完成志愿服务 1 次，共 0.5 小时。谢谢您的付出！");
    expect((await helperSays("sim-volunteer-wang", "我的时长")).replies[0].text).toContain("完成志愿服务 0 次，共 0 小时");
  });

  it("is a resident's message from anyone who is not a volunteer", async () => {
    const resident = await say("sim-private-r1", "r1", "我的任务", false);
    expect(resident.outcome).not.toBe("volunteer_command");
  });
});

describe("the monthly ranking", () => {
  it("ranks each grid's volunteers by hours given in the month, China time", async () => {
    const db = svc.services.db;
    const [li, wang] = await Promise.all(["李红", "王志强"].map((name) => db.volunteer.findFirstOrThrow({ where: { name } })));
    const done = async (volunteerId: number, doneAt: Date, hours: number) => {
      const number = await offered();
      const kase = await kaseOf(number);
      await db.volunteerTask.update({ where: { caseId: kase.id }, data: { status: "done", volunteerId, doneAt, hours } });
    };
    await done(li.id, cst("2026-10-03T09:00"), 1);
    await done(wang.id, cst("2026-10-20T09:00"), 2);
    await done(li.id, cst("2026-10-31T23:30"), 1.5); // still October in China
    await done(wang.id, cst("2026-11-01T00:30"), 5); // November
    const [grid] = await monthlyRanking(db, "2026-10");
    expect(grid.gridName).toBe("幸福社区第一网格");
    expect(grid.volunteers.map((v) => [v.rank, v.name, v.tasks, v.hours])).toEqual([[1, "李红", 2, 2.5], [2, "王志强", 1, 2]]);
    expect((await monthlyRanking(db, "2026-11"))[0].volunteers.map((v) => v.name)).toEqual(["王志强"]);
  });
});
