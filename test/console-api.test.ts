// What the workers' console reads and does through the API: the review queue, filters and Chinese search,
// correcting matter and unit, reassigning to another unit, pickers, KPI trends and exports.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { cst, DAY, FakeClock, HOUR } from "./helpers/clock.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { runFollowUp } from "../src/services.ts";
import { createUser } from "../src/auth/users.ts";

// Every test gets its own service, clock and four cases: the filters count cases exactly, the clock moves, and
// cases are corrected and reassigned, so no test may see another's.
let clock: FakeClock;
let svc: TestService;
let token = "";
const auth = () => ({ authorization: `Bearer ${token}` });
const get = async (path: string) => {
  const res = await fetch(`${svc.url}${path}`, { headers: auth() });
  return { status: res.status, body: (await res.json()) as any };
};
const act = (number: string, body: unknown) => svc.post(`/api/cases/${number}/actions`, body, auth());
const appeal = async (text: string, extra: Record<string, unknown> = {}) => (await svc.post("/api/channels/http/messages", groupMessage(`@小民 ${text}`, extra))).body.case.number as string;

let lift = "";
let rubbish = "";
let weather = "";
let pool = "";

beforeEach(async () => {
  clock = new FakeClock(cst("2026-11-02T10:00")); // a Monday
  svc = await startService({}, { clock: clock.now });
  token = (await createApiToken(svc.services.db, { name: "网格员系统", role: "worker" })).token;
  lift = await appeal("3号楼电梯坏了两天了");
  rubbish = await appeal("5号楼门口的垃圾桶满了没人清运，臭气熏天");
  weather = await appeal("今天的天气预报准不准");
  pool = await appeal("小区游泳池的水好几天没换了，又绿又浑");
});
afterEach(async () => {
  await svc.close();
});

describe("review queue", () => {
  it("lists only cases needing review, least confident first, with the bot's rationale and named alternatives", async () => {
    const { body } = await get("/api/cases?view=review");
    const numbers = body.cases.map((c: any) => c.number);
    expect(numbers).toContain(weather);
    expect(numbers).not.toContain(lift);
    expect(body.cases.every((c: any) => ["needs_review", "returned"].includes(c.status))).toBe(true);
    const confidences = body.cases.map((c: any) => c.classification.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => a - b));
    expect(body.confirmDispatches).toBe(true); // the page says a confirmation also dispatches
    await svc.services.settings.update({ autoDispatch: false });
    expect((await get("/api/cases?view=review")).body.confirmDispatches).toBe(false);
    await svc.services.settings.update({ autoDispatch: true });
    const withAlternatives = body.cases.find((c: any) => c.classification.alternatives.length);
    expect(withAlternatives.classification.alternatives[0].name).toMatch(/\p{Script=Han}/u);
  });

  it("corrects the matter and chooses a lead unit other than the matter's", async () => {
    const db = svc.services.db;
    const committee = await db.unit.findFirstOrThrow({ where: { name: { contains: "居委会" } } });
    const res = await act(pool, { action: "confirm", matterCode: "WY01", leadUnitId: committee.id });
    expect(res.status).toBe(200);
    const kase = await db.case.findUniqueOrThrow({ where: { number: pool }, include: { matter: true } });
    expect(kase.matter?.code).toBe("WY01");
    expect(kase.leadUnitId).toBe(committee.id);
    const queue = await get("/api/cases?view=review");
    expect(queue.body.cases.map((c: any) => c.number)).not.toContain(pool);
  });
});

describe("case list filters and search", () => {
  it("finds Chinese words anywhere in the appeal, all terms together", async () => {
    expect((await get(`/api/cases?q=${encodeURIComponent("垃圾桶")}`)).body.cases.map((c: any) => c.number)).toEqual([rubbish]);
    expect((await get(`/api/cases?q=${encodeURIComponent("电梯 两天")}`)).body.cases.map((c: any) => c.number)).toEqual([lift]);
    expect((await get(`/api/cases?q=${encodeURIComponent("电梯 臭气")}`)).body.total).toBe(0);
    expect((await get(`/api/cases?q=${lift}`)).body.cases.map((c: any) => c.number)).toEqual([lift]);
  });

  it("filters by matter, unit, grid, status and date", async () => {
    const db = svc.services.db;
    const property = await db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } });
    const grid = await db.area.findFirstOrThrow({ where: { name: "幸福社区第二网格" } });
    // The pool is corrected to a property matter (WY01) but given to the committee, as in the review queue.
    const committee = await db.unit.findFirstOrThrow({ where: { name: { contains: "居委会" } } });
    expect((await act(pool, { action: "confirm", matterCode: "WY01", leadUnitId: committee.id })).status).toBe(200);
    expect((await get("/api/cases?matter=DT01")).body.cases.map((c: any) => c.number)).toEqual([lift]);
    const byUnit = (await get(`/api/cases?unitId=${property.id}`)).body.cases.map((c: any) => c.number);
    expect(byUnit).toContain(lift);
    expect(byUnit).not.toContain(pool); // now the committee's
    expect((await get(`/api/cases?gridId=${grid.id}`)).body.total).toBe(0);
    expect((await get("/api/cases?status=needs_review")).body.cases.map((c: any) => c.number)).toContain(weather);
    expect((await get(`/api/cases?from=${cst("2026-11-03T00:00").toISOString()}`)).body.total).toBe(0);
    expect((await get(`/api/cases?to=${cst("2026-11-03T00:00").toISOString()}`)).body.total).toBe(4);
    expect((await get("/api/cases?status=nonsense")).status).toBe(400);
  });

  it("marks as overdue what is past its limit, by the clock", async () => {
    expect((await get("/api/cases?overdue=true")).body.total).toBe(0);
    clock.advance(3 * DAY); // the lift's 24-hour response limit has passed
    const late = (await get("/api/cases?overdue=true")).body.cases.map((c: any) => c.number);
    expect(late).toContain(lift);
    expect(late).not.toContain(weather); // not with a unit yet
    expect((await get("/api/cases?overdue=false")).body.cases.map((c: any) => c.number)).not.toContain(lift);
  });
});

describe("reassigning", () => {
  it("sends the case to another unit on fresh limits, tells it, and moves the reminders", async () => {
    const db = svc.services.db;
    const before = await db.case.findUniqueOrThrow({ where: { number: rubbish } });
    const sanitation = await db.unit.findFirstOrThrow({ where: { id: { not: before.leadUnitId! }, contacts: { some: {} } } });
    // A day after the dispatch the worker sees it belongs elsewhere.
    clock.advance(DAY);
    expect((await act(rubbish, { action: "reassign" })).status).toBe(409);
    const res = await act(rubbish, { action: "reassign", leadUnitId: sanitation.id, text: "垃圾清运归环卫所" });
    expect(res.body).toMatchObject({ status: "dispatched" });
    const after = await db.case.findUniqueOrThrow({ where: { id: before.id }, include: { events: true, jobs: true } });
    expect(after.leadUnitId).toBe(sanitation.id);
    expect(after.responseDueAt!.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(after.events.at(-1)).toMatchObject({ type: "reassign", note: "垃圾清运归环卫所", data: { reassigned: { to: sanitation.name } } });
    const pending = after.jobs.filter((j) => j.status === "pending" && ["chase", "escalate"].includes(j.kind));
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((j) => j.createdAt.getTime() === clock.now().getTime())).toBe(true);
    const told = await db.outbox.findMany({ where: { caseId: before.id, kind: "unit_dispatch" }, orderBy: { id: "asc" } });
    expect(told.at(-1)!.text).toContain(rubbish);

    // The new unit's response limit passes: the escalation speaks of the new round, the old one stays silent.
    clock.set(new Date(after.responseDueAt!.getTime() + HOUR));
    await runFollowUp(svc.services);
    const escalations = await db.caseEvent.findMany({ where: { caseId: before.id, type: "escalated" } });
    expect(escalations.length).toBeGreaterThanOrEqual(1);
  });

  it("gives the new unit its own reminders when the 改派 comes in the same millisecond as the dispatch", async () => {
    const db = svc.services.db;
    const before = await db.case.findUniqueOrThrow({ where: { number: rubbish } });
    const other = await db.unit.findFirstOrThrow({ where: { id: { not: before.leadUnitId! }, contacts: { some: {} } } });
    // The clock has not moved since the dispatch at intake.
    expect(before.dispatchedAt!.getTime()).toBe(clock.now().getTime());
    expect((await act(rubbish, { action: "reassign", leadUnitId: other.id })).status).toBe(200);
    const after = await db.case.findUniqueOrThrow({ where: { id: before.id }, include: { jobs: true } });
    const deadline = after.jobs.filter((j) => ["chase", "escalate"].includes(j.kind));
    const pending = deadline.filter((j) => j.status === "pending");
    expect(pending.length).toBeGreaterThan(0);
    // Every reminder of the first round stood down, and the new round's are new jobs.
    expect(deadline.filter((j) => j.status === "skipped").length).toBe(pending.length);
    expect(pending.every((j) => (j.payload as { round: string }).round !== (deadline.find((d) => d.status === "skipped")!.payload as { round: string }).round)).toBe(true);
  });
});

describe("pickers", () => {
  it("searches the responsibility list by name, keyword or category", async () => {
    const lift = (await get(`/api/matters?q=${encodeURIComponent("电梯")}`)).body;
    expect(lift.matters.map((m: any) => m.code)).toContain("DT01");
    // Each matter names its lead: a fixed unit, or a role of the territorial list (DT01: 小区物业).
    expect(lift.matters.every((m: any) => Boolean(m.leadUnit?.name) !== Boolean(m.leadRole?.name))).toBe(true);
    expect(lift.matters.find((m: any) => m.code === "DT01")).toMatchObject({ leadUnit: null, leadRole: { name: "小区物业" }, cooperatingUnits: ["区市场监督管理局"] });
    const byKeyword = (await get(`/api/matters?q=${encodeURIComponent("没人收")}`)).body.matters.map((m: any) => m.code);
    expect(byKeyword).toContain("HW01");
    expect((await get("/api/matters?limit=5")).body.matters).toHaveLength(5);
    expect((await get("/api/grids")).body.grids[0]).toMatchObject({ name: expect.any(String), community: expect.any(String) });
    expect((await get("/api/units")).body.units.length).toBeGreaterThan(3);
  });

  it("is not for units", async () => {
    const db = svc.services.db;
    const property = await db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } });
    const unitToken = (await createApiToken(db, { name: "物业", role: "unit", unitId: property.id })).token;
    expect((await fetch(`${svc.url}/api/matters`, { headers: { authorization: `Bearer ${unitToken}` } })).status).toBe(403);
  });
});

describe("KPI trend and exports", () => {
  it("groups by month and week in China time, oldest first", async () => {
    const month = (await get("/api/kpis?groupBy=month")).body;
    expect(month.rows.map((r: any) => r.group)).toEqual(["2026-11"]);
    expect(month.total.volume).toBe(month.rows[0].volume);
    const week = (await get("/api/kpis?groupBy=week")).body;
    expect(week.rows[0].group).toBe("2026-11-02");
    expect(week.groupLabel).toBe("周（起始日）");
  });

  it("exports a resident's text that looks like a formula so that Excel does not run it", async () => {
    const number = await appeal("=HYPERLINK(\"http://evil.example\",\"点我\") 北门路灯不亮了");
    const csv = await (await fetch(`${svc.url}/api/cases/export.csv?q=${number}`, { headers: auth() })).text();
    const row = csv.split("\r\n")[1];
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example""`);
    expect(row).not.toMatch(/,=HYPERLINK/);
  });

  it("exports KPIs as CSV and cases as XLSX", async () => {
    const csv = await fetch(`${svc.url}/api/kpis/export.csv?groupBy=unit`, { headers: auth() });
    const text = (await csv.text()).replace(/^\uFEFF/, "");
    expect(text.split("\r\n")[0]).toBe("承办单位,工单量,响应率,解决率,满意率,综合得分,应响应,按时响应,已评价,超期,平均响应（小时）,平均办结（小时）");
    const xlsx = await fetch(`${svc.url}/api/cases/export.xlsx?matter=DT01`, { headers: auth() });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    const sheet = wb.getWorksheet("工单")!;
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(1).value).toBe(lift);
    expect(sheet.getRow(2).getCell(9).value).toBe("2026-11-02 10:00"); // China time, as people read it
  });
});

describe("a worker of another grid", () => {
  it("sees none of these cases through any console route, and cannot act on them", async () => {
    const db = svc.services.db;
    const second = await db.area.findFirstOrThrow({ where: { name: "幸福社区第二网格" } });
    const units = await db.unit.findMany();
    await createUser(db, { username: "grid2", displayName: "二网格", role: "worker", gridIds: [second.id], password: "second-grid-pass" });
    const login = await fetch(`${svc.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "grid2", password: "second-grid-pass" }) });
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const as = (path: string, init: RequestInit = {}) => fetch(`${svc.url}${path}`, { ...init, headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" } });

    expect(((await (await as("/api/cases?view=review")).json()) as any).total).toBe(0);
    expect(((await (await as(`/api/cases?q=${encodeURIComponent("电梯")}`)).json()) as any).total).toBe(0);
    expect((await as(`/api/cases/${lift}`)).status).toBe(404);
    expect((await as(`/api/cases/${lift}/duplicates`)).status).toBe(404);
    for (const body of [{ action: "reassign", leadUnitId: units[0].id }, { action: "confirm", matterCode: "DT01" }, { action: "note", text: "看看" }]) {
      expect((await as(`/api/cases/${weather}/actions`, { method: "POST", body: JSON.stringify(body) })).status).toBe(404);
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await (await as("/api/cases/export.xlsx")).arrayBuffer());
    expect(wb.getWorksheet("工单")!.rowCount).toBe(1); // the header only
    expect(((await (await as("/api/kpis?groupBy=month")).json()) as any).total.volume).toBe(0);
    // The pickers are not scoped: the list, units and grids are the same for everyone.
    expect((await as("/api/matters?q=DT01")).status).toBe(200);
  });
});
