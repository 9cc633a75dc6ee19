// 未诉先办 and 每月一题 on a fake clock against the real service: the nightly pass finds a matter that keeps
// coming back in one building (and not below the threshold), tells the community and the street once, updates
// the hotspot when it runs again; a hotspot becomes a proactive task that goes round the loop with no resident;
// a worker of another grid sees none of it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, DAY, FakeClock } from "./helpers/clock.ts";
import { signIn, callAs } from "./helpers/session.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { createUser } from "../src/auth/users.ts";
import { runFollowUp } from "../src/services.ts";
import { findClusters } from "../src/hotspots/find.ts";
import { detectHotspots } from "../src/hotspots/detect.ts";

let clock: FakeClock;
let svc: TestService;
let token = "";
let seq = 0;
const auth = () => ({ authorization: `Bearer ${token}` });
const get = async (path: string, headers = auth()) => {
  const res = await fetch(`${svc.url}${path}`, { headers });
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, body: (type.includes("json") ? await res.json() : await res.text()) as any };
};

const LAMPS = ["3号楼楼下的路灯不亮了", "3号楼门口路灯又坏了，晚上看不见路", "3号楼那边的路灯一闪一闪的", "3号楼旁边路灯整晚不亮"];

/** A resident of the owners' group reports a dark streetlight; the unit fixes it the same day (so the next one is a new case). */
async function lampCase(i: number) {
  const result = await svc.services.intake.receive(
    { channel: "simulator", messageId: `hot-${++seq}`, chatId: "sim-yangguang-1", chatName: undefined, isGroup: true, senderId: `hot-r${seq}`, senderName: "李师傅", text: `@小民 ${LAMPS[i % LAMPS.length]}`, mentionsBot: true },
    clock.now(),
  );
  const number = result.case!.number;
  expect(result.case!.matterCode).toBe("SZ01");
  expect((await svc.post(`/api/cases/${number}/actions`, { action: "resolve", text: "已修复" }, auth())).status).toBe(200);
  return number;
}
/** Cases on days 0, 3, 6 … from Monday 2 November, 10:00. */
async function seedLamps(n: number) {
  const numbers: string[] = [];
  for (let i = 0; i < n; i++) {
    clock.set(new Date(cst("2026-11-02T10:00").getTime() + i * 3 * DAY));
    numbers.push(await lampCase(i));
  }
  return numbers;
}
/** The night after: the nightly pass has run. */
async function night(at: string) {
  clock.set(cst(at));
  await runFollowUp(svc.services);
}
const hotspotNotices = () => svc.services.db.outbox.findMany({ where: { kind: "hotspot" }, orderBy: { id: "asc" } });

beforeEach(async () => {
  clock = new FakeClock(cst("2026-11-02T09:00"));
  svc = await startService({}, { clock: clock.now });
  token = (await createApiToken(svc.services.db, { name: "网格员系统", role: "worker" })).token;
});
afterEach(async () => {
  await svc.close();
});

describe("hotspots (未诉先办)", () => {
  it("finds the streetlight that keeps failing in 3号楼, tells the community and the street once with the case numbers, and updates it the next night", async () => {
    const numbers = await seedLamps(3);
    await night("2026-11-09T03:00");
    const [hotspot, ...more] = await svc.services.db.hotspot.findMany({ include: { matter: true, area: true } });
    expect(more).toEqual([]);
    expect(hotspot).toMatchObject({ kind: "repeat", count: 3, status: "open", matter: { code: "SZ01" }, area: { name: "3号楼" } });
    const notices = await hotspotNotices();
    expect(notices.map((n) => n.chatId).sort()).toEqual(["sim-community-xingfu", "sim-street"]);
    for (const n of notices) {
      for (const number of numbers) expect(n.text).toContain(number);
      expect(n.text).toContain("路灯不亮");
      expect(n.text).not.toContain("李师傅");
      expect(n.text).not.toContain("一闪一闪");
    }

    // It comes back once more: the same hotspot counts four, nobody is told twice.
    clock.set(cst("2026-11-09T10:00"));
    const fourth = await lampCase(3);
    await night("2026-11-10T03:00");
    const again = await svc.services.db.hotspot.findMany();
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: hotspot.id, count: 4 });
    expect(await hotspotNotices()).toHaveLength(2);

    const { body } = await get("/api/hotspots");
    expect(body.hotspots).toEqual([expect.objectContaining({ id: hotspot.id, count: 4, area: expect.objectContaining({ name: "幸福社区 3号楼" }), cases: [...numbers, fourth] })]);
  });

  it("tells the hotspot again once its count has at least doubled since it was told, and only once however often the pass runs", async () => {
    await seedLamps(3);
    await night("2026-11-09T03:00");
    expect(await hotspotNotices()).toHaveLength(2);
    const hotspot = await svc.services.db.hotspot.findFirstOrThrow();
    expect(hotspot.announcedCount).toBe(3);

    // Three more in the next three days: six within the period, twice what was told.
    const more: string[] = [];
    for (let i = 3; i < 6; i++) {
      clock.set(new Date(cst("2026-11-09T10:00").getTime() + (i - 3) * DAY));
      more.push(await lampCase(i));
    }
    await night("2026-11-12T03:00");
    const notices = await hotspotNotices();
    expect(notices).toHaveLength(4);
    for (const n of notices.slice(2)) {
      expect(n.text).toContain("共 6 件");
      expect(n.text).toContain("比上次通报的 3 件翻了一倍以上");
      for (const number of more) expect(n.text).toContain(number);
    }
    expect(notices.slice(2).map((n) => n.chatId).sort()).toEqual(["sim-community-xingfu", "sim-street"]);
    expect(await svc.services.db.hotspot.findMany()).toEqual([expect.objectContaining({ id: hotspot.id, count: 6, announcedCount: 6 })]);

    // The pass run again the same night (and the night after, with no more cases) tells nobody.
    await detectHotspots(svc.services.db, svc.services.replies, { now: clock.now(), days: 14, minCases: 3 });
    await night("2026-11-13T03:00");
    expect(await hotspotNotices()).toHaveLength(4);
  });

  it("finds nothing below the threshold, and finds it once the threshold is lowered", async () => {
    await seedLamps(2);
    await night("2026-11-06T03:00");
    expect(await svc.services.db.hotspot.count()).toBe(0);
    expect(await hotspotNotices()).toEqual([]);
    await svc.services.settings.update({ hotspotMinCases: 2 });
    await night("2026-11-07T03:00");
    expect(await svc.services.db.hotspot.count()).toBe(1);
  });

  it("does not count cases older than the period", async () => {
    await svc.services.settings.update({ hotspotDays: 5 });
    await seedLamps(3); // days 0, 3 and 6: never three within five days
    await night("2026-11-09T03:00");
    expect(await svc.services.db.hotspot.count()).toBe(0);
  });

  it("calls a cluster rising when it is at least twice the period before", () => {
    const now = cst("2026-11-30T12:00");
    const at = (daysAgo: number, id: number) => ({ id, matterId: 7, buildingId: 30, gridId: 3, createdAt: new Date(now.getTime() - daysAgo * DAY) });
    const communityOf = () => 1;
    const previous = [at(20, 1)];
    const current = [at(1, 2), at(2, 3), at(3, 4)];
    const [rising] = findClusters([...previous, ...current], { now, days: 14, minCases: 3, communityOf });
    expect(rising).toMatchObject({ kind: "rising", level: "building", areaId: 30, count: 3, previousCount: 1, caseIds: [2, 3, 4] });
    const steady = findClusters([...previous, at(18, 5), ...current], { now, days: 14, minCases: 3, communityOf });
    expect(steady[0]).toMatchObject({ kind: "repeat", previousCount: 2 });
    // The community's cluster of the same cases in one building says nothing more.
    expect(findClusters(current, { now, days: 14, minCases: 3, communityOf }).map((c) => c.level)).toEqual(["building"]);
    expect(findClusters(current, { now, days: 14, minCases: 4, communityOf })).toEqual([]);
  });

  it("turns a hotspot into a proactive task: a case with no resident, dispatched to the lead unit, chased, closed without a survey", async () => {
    await seedLamps(3);
    await night("2026-11-09T03:00");
    const hotspot = await svc.services.db.hotspot.findFirstOrThrow();
    clock.set(cst("2026-11-09T09:00"));
    const res = await svc.post(`/api/hotspots/${hotspot.id}/task`, {}, auth());
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("dispatched");
    const task = await svc.services.db.case.findUniqueOrThrow({ where: { number: res.body.number }, include: { leadUnit: true, building: true } });
    expect(task).toMatchObject({ origin: "proactive", residentId: null, channel: "console", leadUnit: { name: "区市政设施管理中心" }, building: { name: "3号楼" } });
    expect(await svc.services.db.hotspot.findUniqueOrThrow({ where: { id: hotspot.id } })).toMatchObject({ status: "tasked", taskCaseId: task.id });
    expect((await svc.post(`/api/hotspots/${hotspot.id}/task`, {}, auth())).status).toBe(409);

    // The same loop: dispatched, chased before the response limit (24 hours); nobody is told as a resident.
    await night("2026-11-10T08:00");
    const events = await svc.services.db.caseEvent.findMany({ where: { caseId: task.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["opened", "hotspot_task", "dispatch", "chased"]));
    const sent = await svc.services.db.outbox.findMany({ where: { caseId: task.id } });
    expect(sent.filter((m) => ["reply", "progress", "survey"].includes(m.kind))).toEqual([]);
    const detail = await get(`/api/cases/${task.number}`);
    expect(detail.body).toMatchObject({ origin: "proactive", reporterCount: 1 });
    expect((await svc.post(`/api/cases/${task.number}/actions`, { action: "resolve", text: "已更换整条线路" }, auth())).status).toBe(200);
    await night("2026-11-10T10:00");
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { id: task.id } })).status).toBe("closed");
    expect(await svc.services.db.pendingQuestion.count({ where: { caseId: task.id } })).toBe(0);
  });

  it("shows a worker only their grids' hotspots and cases: another grid's worker cannot list, task or dismiss it, a unit is refused", async () => {
    await seedLamps(3);
    await night("2026-11-09T03:00");
    const hotspot = await svc.services.db.hotspot.findFirstOrThrow();
    const db = svc.services.db;
    const grid = (name: string) => db.area.findFirstOrThrow({ where: { level: "grid", name } });
    await createUser(db, { username: "hot-own", displayName: "本网格员", role: "worker", gridIds: [(await grid("幸福社区第一网格")).id], password: "hot-own-pass-1234" });
    await createUser(db, { username: "hot-other", displayName: "外网格员", role: "worker", gridIds: [(await grid("和平社区第一网格")).id], password: "hot-other-pass-1234" });
    const own = await signIn(svc, "hot-own", "hot-own-pass-1234");
    const other = await signIn(svc, "hot-other", "hot-other-pass-1234");

    expect((await callAs(svc, own, "GET", "/api/hotspots")).body.hotspots.map((h: any) => h.id)).toEqual([hotspot.id]);
    expect((await callAs(svc, other, "GET", "/api/hotspots")).body.hotspots).toEqual([]);
    expect((await callAs(svc, other, "GET", "/api/hotspots?status=all")).body.hotspots).toEqual([]);
    const missing = await callAs(svc, other, "POST", "/api/hotspots/999999/task", {});
    const theirs = await callAs(svc, other, "POST", `/api/hotspots/${hotspot.id}/task`, {});
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(missing.body); // not yours reads exactly as not there
    expect((await callAs(svc, other, "POST", `/api/hotspots/${hotspot.id}/dismiss`, {})).status).toBe(404);
    expect((await callAs(svc, other, "GET", "/api/hotspots/monthly")).body.rows).toEqual([]);
    expect(await db.hotspot.findUniqueOrThrow({ where: { id: hotspot.id } })).toMatchObject({ status: "open", taskCaseId: null });

    const unit = await db.unit.findUniqueOrThrow({ where: { name: "区市政设施管理中心" } });
    const unitToken = (await createApiToken(db, { name: "市政", role: "unit", unitId: unit.id })).token;
    expect((await get("/api/hotspots", { authorization: `Bearer ${unitToken}` })).status).toBe(403);
    expect((await callAs(svc, own, "POST", `/api/hotspots/${hotspot.id}/dismiss`, {})).body).toEqual({ id: hotspot.id, status: "dismissed" });
  });

  it("lists per month and community the problems that recur, with the month before and satisfaction, and exports them", async () => {
    await seedLamps(3);
    clock.set(cst("2026-11-20T10:00"));
    const { body } = await get("/api/hotspots/monthly?months=3");
    expect(body.rows).toEqual([{ month: "2026-11", community: "幸福社区", matterCode: "SZ01", matter: "路灯不亮", count: 3, previousCount: 0, trend: "new", evaluated: 0, satisfactionRate: null }]);
    const csv = await get("/api/hotspots/monthly.csv?months=3");
    expect(csv.status).toBe(200);
    expect(csv.body).toContain("月份");
    expect(csv.body).toContain("2026-11,幸福社区,SZ01,路灯不亮,3,0,新出现");
    const xlsx = await fetch(`${svc.url}/api/hotspots/monthly.xlsx`, { headers: auth() });
    expect(xlsx.headers.get("content-type")).toContain("spreadsheetml");
  });
});
