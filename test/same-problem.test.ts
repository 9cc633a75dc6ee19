// 同诉 (+1) on a fake clock against the real service: a second resident reporting the same open problem joins its
// case (told the number, hears its progress and gets its survey, rates for themselves), a different matter, a
// different building or words less alike than the setting asks open their own case, and a worker splits a
// wrongly joined report off into its own case.
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock, HOUR } from "./helpers/clock.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { runFollowUp } from "../src/services.ts";
import { candidatesQuery, sameOpenProblem } from "../src/cases/sameProblem.ts";
import { dbEngine, sqlRows } from "../src/db.ts";

// The look for the same open problem, spied on (it runs as it is) so a test can make two appeals look at once.
vi.mock("../src/cases/sameProblem.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/cases/sameProblem.ts")>();
  return { ...real, sameOpenProblem: vi.fn(real.sameOpenProblem) };
});

let clock: FakeClock;
let svc: TestService;
let token = "";
let seq = 0;
const auth = () => ({ authorization: `Bearer ${token}` });
const get = async (path: string) => {
  const res = await fetch(`${svc.url}${path}`, { headers: auth() });
  return { status: res.status, body: (await res.json()) as any };
};
const act = (number: string, body: unknown) => svc.post(`/api/cases/${number}/actions`, body, auth());

/** A resident writes: r1 in the owners' group, the others in private chats of their own. */
async function say(senderId: string, text: string) {
  const group = senderId === "r1";
  const result = await svc.services.intake.receive(
    { channel: "simulator", messageId: `same-${++seq}`, chatId: group ? "sim-yangguang-1" : `sim-private-${senderId}`, chatName: undefined, isGroup: group, senderId, senderName: undefined, text: group ? `@小民 ${text}` : text, mentionsBot: group },
    clock.now(),
  );
  await svc.services.dispatcher.flush(clock.now());
  return result;
}
const caseOf = (number: string) => svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { reporters: true } });
const outboxTo = (chatId: string, kind?: string) => svc.services.db.outbox.findMany({ where: { chatId, ...(kind ? { kind } : {}) }, orderBy: { id: "asc" } });

const FIRST = "3号楼楼下的路灯不亮了，晚上很黑";
const SAME = "3号楼楼下路灯坏了，晚上黑漆漆的";

beforeEach(async () => {
  clock = new FakeClock(cst("2026-11-02T10:00")); // a Monday
  svc = await startService({}, { clock: clock.now });
  token = (await createApiToken(svc.services.db, { name: "网格员系统", role: "worker" })).token;
});
afterEach(async () => {
  await svc.close();
});

describe("同诉 (+1)", () => {
  it("joins a second resident's report of the same dark streetlight: one case counting two, both hear progress and the survey, each rates", async () => {
    const first = await say("r1", FIRST);
    const number = first.case!.number;
    expect(first.case).toMatchObject({ matterCode: "SZ01", status: "dispatched" });

    clock.advance(HOUR);
    const second = await say("r2", SAME);
    expect(second.case!.number).toBe(number);
    expect(second.replies[0].text).toContain(`工单 ${number}`);
    expect(second.replies[0].text).toContain("2 位居民");
    const kase = await caseOf(number);
    expect(kase.reporterCount).toBe(2);
    expect(kase.reporters).toHaveLength(1);
    expect(kase.reporters[0].similarity).toBeGreaterThanOrEqual(0.6);
    expect(await svc.services.db.case.count()).toBe(1);
    // Both messages are the case's: the joined one is linked to it as well.
    const linked = await svc.services.db.inboundMessage.findMany({ where: { caseId: kase.id }, select: { senderId: true }, orderBy: { id: "asc" } });
    expect(linked.map((m) => m.senderId)).toEqual(["r1", "r2"]);

    // The list and the detail say how many raised it; the same resident writing again is not counted twice.
    const list = await get("/api/cases?view=open");
    expect(list.body.cases[0]).toMatchObject({ number, reporterCount: 2 });
    await say("r2", SAME + "，快来修");
    expect((await caseOf(number)).reporterCount).toBe(2);
    const detail = await get(`/api/cases/${number}`);
    expect(detail.body.reporterCount).toBe(2);
    expect(detail.body.reporters).toEqual([expect.objectContaining({ id: kase.reporters[0].id, split: null, satisfaction: null })]);
    expect(detail.body.allowedActions).toContain("split");

    // Progress reaches both residents in their own chats.
    expect((await act(number, { action: "resolve", text: "已更换灯泡和镇流器" })).status).toBe(200);
    for (const chat of ["sim-yangguang-1", "sim-private-r2"]) {
      const progress = await outboxTo(chat, "progress");
      expect(progress.map((m) => m.text).join("\n"), chat).toContain("已更换灯泡和镇流器");
    }

    // Both are asked; the joined resident's answer is theirs, the case waits for its own resident's.
    clock.advance(2 * HOUR);
    await runFollowUp(svc.services);
    expect(await outboxTo("sim-yangguang-1", "survey")).toHaveLength(1);
    expect(await outboxTo("sim-private-r2", "survey")).toHaveLength(1);
    const rated = await say("r2", "2");
    expect(rated.replies[0].text).toBe(`感谢您的评价（基本满意），已记入工单 ${number}。`);
    let after = await caseOf(number);
    expect(after).toMatchObject({ status: "awaiting_feedback", satisfaction: null });
    expect(after.reporters[0].satisfaction).toBe("basically_satisfied");

    // The reminder goes only to whoever has not answered.
    clock.advance(25 * HOUR);
    await runFollowUp(svc.services);
    expect(await outboxTo("sim-yangguang-1", "survey")).toHaveLength(2);
    expect(await outboxTo("sim-private-r2", "survey")).toHaveLength(1);
    const closed = await say("r1", "1");
    expect(closed.replies[0].text).toBe(`感谢您的评价（满意），工单 ${number} 已结案。`);
    after = await caseOf(number);
    expect(after).toMatchObject({ status: "closed", satisfaction: "satisfied" });
    const events = await svc.services.db.caseEvent.findMany({ where: { caseId: after.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["reporter_joined", "resident_message", "reporter_rated", "evaluate_ok"]));
  });

  it("opens a new case for another matter, another building, or words less alike than the setting asks", async () => {
    const lamp = (await say("r1", FIRST)).case!.number;
    const otherMatter = await say("r2", "3号楼电梯坏了两天了，老人上下楼很困难");
    expect(otherMatter.case!.number).not.toBe(lamp);
    const otherBuilding = await say("r3", "5号楼楼下路灯坏了，晚上黑漆漆的");
    expect(otherBuilding.case!.number).not.toBe(lamp);
    expect(otherBuilding.case!.matterCode).toBe("SZ01");
    await svc.services.settings.update({ sameProblemSimilarity: 0.95 });
    const lessAlike = await say("r4", SAME);
    expect(lessAlike.case!.number).not.toBe(lamp);
    expect(lessAlike.case!.matterCode).toBe("SZ01");
    expect((await caseOf(lamp)).reporterCount).toBe(1);
    expect(await svc.services.db.caseReporter.count()).toBe(0);
  });

  it("does not join a case that is no longer open, or one older than the window", async () => {
    const lamp = (await say("r1", FIRST)).case!.number;
    clock.advance(8 * 24 * HOUR); // past the 7-day window
    const late = await say("r2", SAME);
    expect(late.case!.number).not.toBe(lamp);
    expect((await act(late.case!.number, { action: "resolve", text: "已修好" })).status).toBe(200);
    const afterResolved = await say("r3", SAME);
    expect([lamp, late.case!.number]).not.toContain(afterResolved.case!.number);
  });

  it("splits a wrongly joined report off into its own case: the resident is told its number, the count drops", async () => {
    const number = (await say("r1", FIRST)).case!.number;
    const joined = await say("r2", SAME);
    expect(joined.case!.number).toBe(number);
    const reporter = (await caseOf(number)).reporters[0];

    const refused = await act(number, { action: "split" });
    expect(refused.status).toBe(409);
    const res = await act(number, { action: "split", reporterId: reporter.id });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("dispatched"); // the original goes on as it was

    const original = await caseOf(number);
    expect(original.reporterCount).toBe(1);
    expect(original.reporters[0].splitAt).not.toBeNull();
    const own = await svc.services.db.case.findUniqueOrThrow({ where: { id: original.reporters[0].splitCaseId! } });
    expect(own).toMatchObject({ text: SAME, chatId: "sim-private-r2", status: "dispatched", reporterCount: 1, matterId: original.matterId, buildingId: original.buildingId });
    const told = await outboxTo("sim-private-r2", "progress");
    expect(told.at(-1)!.text).toContain(`工单号 ${own.number}`);
    expect(told.at(-1)!.text).toContain(number);

    // No longer a joined resident: the original's progress is not theirs, and there is nothing left to split.
    const detail = await get(`/api/cases/${number}`);
    expect(detail.body.reporters[0].split).toMatchObject({ caseNumber: own.number });
    expect(detail.body.allowedActions).not.toContain("split");
    expect((await act(number, { action: "split", reporterId: reporter.id })).status).toBe(409);
    const before = (await outboxTo("sim-private-r2")).length;
    await act(number, { action: "note", text: "明天上午维修", public: true });
    expect(await outboxTo("sim-private-r2")).toHaveLength(before);
    expect((await outboxTo("sim-yangguang-1", "progress")).at(-1)!.text).toContain("明天上午维修");
  });
});

describe("two residents at the same instant", () => {
  it("open one case when the same problem arrives twice at once: the second joins the first", async () => {
    // "At once": the first look for the same open problem waits until the second has started looking too (or a
    // moment has passed), so neither could have seen the other's case unless the look is taken in turn.
    const real = (await vi.importActual<typeof import("../src/cases/sameProblem.ts")>("../src/cases/sameProblem.ts")).sameOpenProblem;
    let looks = 0;
    let bothLooking!: () => void;
    const both = new Promise<void>((resolve) => (bothLooking = resolve));
    vi.mocked(sameOpenProblem).mockImplementation(async (...args) => {
      const n = ++looks;
      if (n === 2) bothLooking();
      if (n <= 2) await Promise.race([both, new Promise((resolve) => setTimeout(resolve, 500))]);
      return real(...args);
    });
    onTestFinished(() => void vi.mocked(sameOpenProblem).mockImplementation(real));

    const [a, b] = await Promise.all([say("r1", FIRST), say("r2", SAME)]);
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(a.case!.number).toBe(b.case!.number);
    expect(await svc.services.db.case.count()).toBe(1);
    const kase = await caseOf(a.case!.number);
    expect(kase.reporterCount).toBe(2);
    expect(kase.reporters).toHaveLength(1);
    const replies = [a, b].map((r) => r.replies[0].text);
    expect(replies.filter((t) => t.includes("2 位居民"))).toHaveLength(1);
  });
});

describe("a joined resident's survey link", () => {
  it("is signed for them: the page records their rating as their chat answer would, and refuses a tampered link", async () => {
    const number = (await say("r1", FIRST)).case!.number;
    expect((await say("r2", SAME)).case!.number).toBe(number);
    expect((await act(number, { action: "resolve", text: "已更换灯泡和镇流器" })).status).toBe(200);
    clock.advance(2 * HOUR);
    await runFollowUp(svc.services);
    const kase = await caseOf(number);
    const reporter = kase.reporters[0];
    const linkOf = async (chat: string) => new URL(((await outboxTo(chat, "survey"))[0].notice as { url: string }).url).pathname;
    const own = await linkOf("sim-yangguang-1");
    const theirs = await linkOf("sim-private-r2");
    expect(theirs).toMatch(new RegExp(`^/r/${kase.id}\\.0-${reporter.id}\\.`));
    expect(own).not.toBe(theirs);

    const form = (path: string, body: string) => fetch(svc.url + path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    // Another reporter's number, or the reporter's part taken off (the case's own resident's link), breaks the signature.
    const [, token] = /^\/r\/(.+)$/.exec(theirs)!;
    for (const forged of [token.replace(`-${reporter.id}.`, `-${reporter.id + 1}.`), token.replace(`-${reporter.id}.`, ".")]) {
      expect((await fetch(`${svc.url}/r/${forged}`)).status).toBe(403);
      expect((await form(`/r/${forged}`, "rating=dissatisfied")).status).toBe(403);
    }
    expect((await caseOf(number)).status).toBe("awaiting_feedback");

    const page = await fetch(svc.url + theirs);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(number);
    const answered = await form(theirs, "rating=basically_satisfied&reason=%E8%BF%98%E8%A1%8C");
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain(`感谢您的评价（基本满意），已记入工单 ${number}。`);
    const after = await caseOf(number);
    expect(after).toMatchObject({ status: "awaiting_feedback", satisfaction: null }); // the case waits for its own resident
    expect(after.reporters[0].satisfaction).toBe("basically_satisfied");
    const rated = await svc.services.db.caseEvent.findFirstOrThrow({ where: { caseId: kase.id, type: "reporter_rated" } });
    expect(rated).toMatchObject({ note: "还行", data: { reporterId: reporter.id, satisfaction: "basically_satisfied" } });
    expect((await form(theirs, "rating=satisfied")).status).toBe(409);
    expect(await svc.services.db.pendingQuestion.count({ where: { caseId: kase.id, chatId: "sim-private-r2", answeredAt: null } })).toBe(0);

    // The case's own link still answers for the case.
    expect((await form(own, "rating=satisfied")).status).toBe(200);
    expect(await caseOf(number)).toMatchObject({ status: "closed", satisfaction: "satisfied" });
  });
});

describe("withdrawing a case others joined", () => {
  it("keeps the case open for them: the earliest joined resident takes it over, the count drops, only the one who withdrew is told", async () => {
    const number = (await say("r1", FIRST)).case!.number;
    expect((await say("r2", SAME)).case!.number).toBe(number);
    clock.advance(HOUR);
    expect((await say("r3", SAME + "，好几天了")).case!.number).toBe(number);
    const before = { r2: (await outboxTo("sim-private-r2")).length, r3: (await outboxTo("sim-private-r3")).length };

    const res = await act(number, { action: "withdraw" });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("dispatched");
    const kase = await caseOf(number);
    const r2 = await svc.services.db.resident.findFirstOrThrow({ where: { externalId: "r2" } });
    expect(kase).toMatchObject({ status: "dispatched", closedAt: null, reporterCount: 2, residentId: r2.id, chatId: "sim-private-r2", isGroup: false });
    expect(kase.reporters).toHaveLength(1);
    const told = await outboxTo("sim-yangguang-1", "progress");
    expect(told.at(-1)!.text).toBe(`您的诉求已为您撤回。其他居民也反映了同一问题，工单 ${number} 将继续办理，您不会再收到它的进展。`);
    expect(await outboxTo("sim-private-r2")).toHaveLength(before.r2);
    expect(await outboxTo("sim-private-r3")).toHaveLength(before.r3);
    const events = await svc.services.db.caseEvent.findMany({ where: { caseId: kase.id }, orderBy: { id: "asc" } });
    expect(events.at(-1)).toMatchObject({ type: "withdraw", fromStatus: "dispatched", toStatus: "dispatched" });
    expect(await svc.services.db.job.count({ where: { caseId: kase.id, kind: "escalate", status: "pending" } })).toBeGreaterThan(0); // still chased

    // The case goes on for them; the one who withdrew hears no more of it, the new resident's rating is the case's.
    const groupNews = (await outboxTo("sim-yangguang-1")).length;
    expect((await act(number, { action: "resolve", text: "已更换灯泡和镇流器" })).status).toBe(200);
    for (const chat of ["sim-private-r2", "sim-private-r3"]) expect((await outboxTo(chat, "progress")).at(-1)!.text).toContain("已更换灯泡和镇流器");
    clock.advance(2 * HOUR);
    await runFollowUp(svc.services);
    expect(await outboxTo("sim-yangguang-1")).toHaveLength(groupNews);
    expect((await say("r2", "1")).replies[0].text).toBe(`感谢您的评价（满意），工单 ${number} 已结案。`);
    expect(await caseOf(number)).toMatchObject({ status: "closed", satisfaction: "satisfied" });
  });

  it("closes a case nobody joined, and tells its resident it is withdrawn", async () => {
    const number = (await say("r1", FIRST)).case!.number;
    expect((await act(number, { action: "withdraw" })).body.status).toBe("withdrawn");
    expect((await outboxTo("sim-yangguang-1", "progress")).at(-1)!.text).toBe(`工单 ${number} 已撤回。`);
  });
});

describe("merging a case others joined", () => {
  it("carries the merged case's resident and joined residents to the target: counted there, they hear its progress and get its survey", async () => {
    const target = (await say("r1", FIRST)).case!.number;
    expect((await say("r2", SAME)).case!.number).toBe(target);
    // A second case of the same problem that joining missed (words less alike than asked), with a resident of its own.
    await svc.services.settings.update({ sameProblemSimilarity: 0.95 });
    const duplicate = (await say("r3", SAME)).case!.number;
    expect(duplicate).not.toBe(target);
    expect((await say("r4", SAME)).case!.number).toBe(duplicate);
    expect((await say("r2", SAME)).case!.number).toBe(duplicate); // r2 raised it twice: counted once on the target

    const res = await act(duplicate, { action: "merge", mergeInto: target });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("merged");
    for (const chat of ["sim-private-r3", "sim-private-r4"]) expect((await outboxTo(chat, "progress")).at(-1)!.text).toContain(target);
    const kase = await caseOf(target);
    expect(kase.reporterCount).toBe(4);
    const residents = await svc.services.db.resident.findMany({ where: { id: { in: kase.reporters.map((r) => r.residentId!) } } });
    expect(residents.map((r) => r.externalId).sort()).toEqual(["r2", "r3", "r4"]);
    expect((await get(`/api/cases/${target}`)).body.reporterCount).toBe(4);

    // The target's progress and survey reach them in their own chats.
    expect((await act(target, { action: "resolve", text: "已更换灯泡和镇流器" })).status).toBe(200);
    for (const chat of ["sim-private-r3", "sim-private-r4"]) expect((await outboxTo(chat, "progress")).at(-1)!.text).toContain("已更换灯泡和镇流器");
    clock.advance(2 * HOUR);
    await runFollowUp(svc.services);
    for (const chat of ["sim-yangguang-1", "sim-private-r2", "sim-private-r3", "sim-private-r4"]) expect(await outboxTo(chat, "survey"), chat).toHaveLength(1);
    expect((await say("r3", "1")).replies[0].text).toBe(`感谢您的评价（满意），已记入工单 ${target}。`);
  });
});

describe("the case export", () => {
  it("has how many residents raised each case (反映人数) and where it came from (来源: 居民 / 主动发现)", async () => {
    const number = (await say("r1", FIRST)).case!.number;
    expect((await say("r2", SAME)).case!.number).toBe(number);
    const kase = await caseOf(number);
    const hotspot = await svc.services.db.hotspot.create({
      data: { key: "export-test", kind: "repeat", matterId: kase.matterId!, areaId: kase.buildingId!, count: 3, caseIds: [kase.id], firstSeenAt: clock.now(), lastSeenAt: clock.now() },
    });
    const task = await svc.post(`/api/hotspots/${hotspot.id}/task`, {}, auth());
    expect(task.status).toBe(201);

    const res = await fetch(`${svc.url}/api/cases/export.csv`, { headers: auth() });
    const [header, ...rows] = (await res.text()).replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(header.split(",").slice(-2)).toEqual(["反映人数", "来源"]);
    const tail = (n: string) => rows.find((r) => r.startsWith(`${n},`))!.split(",").slice(-2);
    expect(tail(number)).toEqual(["2", "居民"]);
    expect(tail(task.body.number)).toEqual(["1", "主动发现"]);
  });
});

describe("同诉 lookup", () => {
  // Every appeal with a place asks it. Read through Case_gridId_status_idx it went over every open case of the
  // grid: 2 ms an appeal after a few thousand, and growing with them.
  it.each([
    ["a building", (grid: number, building: number) => ({ buildingId: building, gridId: grid, location: null })],
    ["a grid and place words", (grid: number) => ({ buildingId: null, gridId: grid, location: "东门" })],
  ])("at %s reads the cases of one matter and place by their index, not the grid's open cases", { timeout: 30_000 }, async (_, place) => {
    const { db } = svc.services;
    const building = await db.area.findFirstOrThrow({ where: { level: "building" } });
    const matters = await db.matter.findMany({ take: 20, orderBy: { id: "asc" } });
    // A busy grid: 2,000 open cases of twenty matters, at its buildings and without one, as the planner's statistics see them.
    await db.case.createMany({
      data: Array.from({ length: 2000 }, (_, i) => ({
        number: `LOOKUP-${i}`, text: "路灯不亮", channel: "http", chatId: "c", isGroup: false, status: "dispatched", classSource: "local",
        matterId: matters[i % matters.length].id, gridId: building.parentId, buildingId: i % 2 ? building.id : null, location: i % 2 ? null : "东门",
      })),
    });
    await db.$executeRawUnsafe(`ANALYZE "Case"`);
    const query = candidatesQuery(db, { text: "路灯不亮", matterId: matters[0].id, now: clock.now(), ...place(building.parentId!, building.id) }, 30)!;
    const plan = await db.$transaction(async (tx) => {
      if (dbEngine(tx) === "sqlite") return (await sqlRows<{ detail: string }>(tx, `EXPLAIN QUERY PLAN ${query.sql}`, ...query.values)).map((r) => r.detail);
      return (await sqlRows<{ "QUERY PLAN": string }>(tx, `EXPLAIN ${query.sql}`, ...query.values)).map((r) => r["QUERY PLAN"]);
    });
    expect(plan.join("\n")).toContain("Case_matterId_buildingId_gridId_location_idx");
  });
});
