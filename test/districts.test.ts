// 市 → 区 → 街道: administrators scoped to a district or a street see and keep only theirs, tried as the attacks the
// scope stops (a 阳光街道 administrator reading, changing and exporting 明月街道's cases, areas, units and KPIs; a
// street's administrator making an administrator or changing what is the city's), KPIs rolled up by street and by
// district, and 督办 up to the district.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, groupMessage, startService, type TestService } from "./helpers/service.ts";
import { callAs, signIn, type Session } from "./helpers/session.ts";
import { createUser } from "../src/auth/users.ts";
import { cst, FakeClock } from "./helpers/clock.ts";
import { runFollowUp } from "../src/services.ts";

const HTTP = "/api/channels/http/messages";
const MISSING_CASE = "2099-999999";
const MISSING_ID = 2_000_000_000;
let svc: TestService;
let city: Session;
let district: Session;
let yangguang: Session;
let mingyue: Session;
let ygCase = "";
let myCase = "";
const id: Record<string, number> = {};

const call = (as: Session, method: string, path: string, body?: unknown) => callAs(svc, as, method, path, body);
const numbers = async (as: Session, query = "") => (await call(as, "GET", `/api/cases?pageSize=100${query}`)).body.cases.map((c: { number: string }) => c.number);

async function adminOf(area: string | null, name: string): Promise<Session> {
  const areaId = area ? (await svc.services.db.area.findFirstOrThrow({ where: { name: area } })).id : null;
  await createUser(svc.services.db, { username: name, displayName: `${area ?? "市"}管理员`, role: "admin", areaId, password: `${name}-password` });
  return signIn(svc, name, `${name}-password`);
}

beforeAll(async () => {
  svc = await startService({}, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
  [city, district, yangguang, mingyue] = [await adminOf(null, "city-admin"), await adminOf("新城区", "district-admin"), await adminOf("阳光街道", "yg-admin"), await adminOf("明月街道", "my-admin")];
  ygCase = (await svc.post(HTTP, groupMessage("@小民 北门路灯不亮了，晚上很黑"))).body.case.number;
  // The street lamp's lead unit is the district's 区市政设施管理中心, which belongs to no street: only the grid says whose it is.
  myCase = (await svc.post(HTTP, groupMessage("@小民 3幢门口路灯不亮了，晚上很黑", { chatId: "mingyue-owners", chatName: "明月苑业主群" }))).body.case.number;
  const db = svc.services.db;
  for (const name of ["明月街道", "明月社区", "明月社区第一网格", "阳光街道", "幸福社区"]) id[name] = (await db.area.findFirstOrThrow({ where: { name } })).id;
  for (const name of ["明月派出所", "阳光派出所"]) id[name] = (await db.unit.findUniqueOrThrow({ where: { name } })).id;
  id.mingyueGroup = (await db.chatGroup.findFirstOrThrow({ where: { chatId: "mingyue-owners" } })).id;
  id.mingyueStreetContact = (await db.areaContact.findFirstOrThrow({ where: { address: "sim-street-mingyue" } })).id;
  id.mingyuePoliceContact = (await db.unitContact.findFirstOrThrow({ where: { address: "sim-unit-mingyue-police" } })).id;
});
afterAll(async () => {
  await svc.close();
});

describe("cases", () => {
  it("a street's administrator lists their street's cases only; the district's and the city's see both", async () => {
    expect(await numbers(yangguang)).toContain(ygCase);
    expect(await numbers(yangguang)).not.toContain(myCase);
    expect(await numbers(mingyue)).toEqual(expect.arrayContaining([myCase]));
    expect(await numbers(mingyue)).not.toContain(ygCase);
    for (const both of [district, city]) expect(await numbers(both)).toEqual(expect.arrayContaining([ygCase, myCase]));
    // Asking for the other street's grid finds nothing rather than widening the scope.
    expect(await numbers(yangguang, `&gridId=${id["明月社区第一网格"]}`)).toEqual([]);
  });

  it("another street's case reads exactly as a missing one, for reading, its duplicates and every action, and nothing changes", async () => {
    for (const path of [`/api/cases/${myCase}`, `/api/cases/${myCase}/duplicates`]) {
      const theirs = await call(yangguang, "GET", path);
      const missing = await call(yangguang, "GET", path.replace(myCase, MISSING_CASE));
      expect(theirs.status, path).toBe(404);
      expect(theirs.body).toEqual(missing.body);
    }
    for (const body of [{ action: "note", text: "看看" }, { action: "reject", text: "不归我们管" }, { action: "close" }]) {
      const theirs = await call(yangguang, "POST", `/api/cases/${myCase}/actions`, body);
      const missing = await call(yangguang, "POST", `/api/cases/${MISSING_CASE}/actions`, body);
      expect(theirs.status, body.action).toBe(404);
      expect(theirs.body).toEqual(missing.body);
    }
    // Nor merged into from their own street.
    const merge = await call(yangguang, "POST", `/api/cases/${ygCase}/actions`, { action: "merge", mergeInto: myCase });
    expect(merge.status).toBe(404);
    const events = await svc.services.db.caseEvent.findMany({ where: { case: { number: { in: [myCase, ygCase] } }, actorId: { startsWith: "user:" } } });
    expect(events).toEqual([]);
    expect((await call(mingyue, "GET", `/api/cases/${myCase}`)).status).toBe(200);
  });

  it("exports hold only the street's own cases", async () => {
    const csv = (await call(yangguang, "GET", "/api/cases/export.csv")).body.toString("utf8");
    expect(csv).toContain(ygCase);
    expect(csv).not.toContain(myCase);
    const theirs = (await call(mingyue, "GET", "/api/cases/export.csv")).body.toString("utf8");
    expect(theirs).toContain(myCase);
    expect(theirs).not.toContain(ygCase);
  });
});

describe("KPIs", () => {
  it("roll up by street and by district, over the cases in the grids under each", async () => {
    const byStreet = (await call(city, "GET", "/api/kpis?groupBy=street")).body;
    expect(byStreet.groupLabel).toBe("街道");
    const volume = (rows: { group: string; volume: number }[], group: string) => rows.find((r) => r.group === group)?.volume ?? 0;
    const cases = await svc.services.db.case.findMany({ where: { status: { notIn: ["merged", "rejected", "withdrawn"] } }, include: { grid: { include: { parent: { include: { parent: true } } } } } });
    const inStreet = (street: string) => cases.filter((c) => c.grid?.parent?.parent?.name === street).length;
    expect(volume(byStreet.rows, "明月街道")).toBe(inStreet("明月街道"));
    expect(volume(byStreet.rows, "阳光街道")).toBe(inStreet("阳光街道"));
    expect(inStreet("明月街道")).toBeGreaterThan(0);
    const byDistrict = (await call(city, "GET", "/api/kpis?groupBy=district")).body;
    expect(byDistrict.groupLabel).toBe("区");
    expect(volume(byDistrict.rows, "新城区")).toBe(inStreet("明月街道") + inStreet("阳光街道"));
    // One street's cases, by its area.
    expect((await call(city, "GET", `/api/kpis?groupBy=street&areaId=${id["明月街道"]}`)).body.rows.map((r: { group: string }) => r.group)).toEqual(["明月街道"]);
  });

  it("a street's administrator counts only their street: the other street is in no row, not even by asking for it", async () => {
    const mine = (await call(yangguang, "GET", "/api/kpis?groupBy=street")).body;
    expect(mine.rows.map((r: { group: string }) => r.group)).toEqual(["阳光街道"]);
    const asked = (await call(yangguang, "GET", `/api/kpis?groupBy=street&areaId=${id["明月街道"]}`)).body;
    expect(asked.rows).toEqual([]);
    expect(asked.total.volume).toBe(0);
    const csv = (await call(yangguang, "GET", "/api/kpis/export.csv?groupBy=street")).body.toString("utf8");
    expect(csv).toContain("阳光街道");
    expect(csv).not.toContain("明月街道");
  });
});

describe("organisation", () => {
  it("a street's administrator sees their street's areas, units and groups, and none of the other street's", async () => {
    const org = (await call(yangguang, "GET", "/api/admin/org")).body;
    expect(org.scope).toMatchObject({ areaId: id["阳光街道"], name: "阳光街道", level: "street" });
    const names = org.areas.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(["阳光街道", "幸福社区", "和平社区", "幸福社区第一网格", "3号楼"]));
    expect(names).not.toEqual(expect.arrayContaining(["明月街道"]));
    expect(names.filter((n: string) => n.startsWith("明月") || n.endsWith("幢") || n === "新城区" || n === "江南市")).toEqual([]);
    const units = org.units.map((u: { name: string }) => u.name);
    expect(units).toEqual(expect.arrayContaining(["街道综合行政执法队", "阳光派出所", "幸福社区居委会"]));
    expect(units.filter((n: string) => n.startsWith("明月") || n.startsWith("区"))).toEqual([]);
    expect(org.groups.map((g: { chatId: string }) => g.chatId)).not.toContain("mingyue-owners");
    // The district's administrator keeps both streets; the city's everything.
    const districtOrg = (await call(district, "GET", "/api/admin/org")).body;
    expect(districtOrg.areas.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(["新城区", "阳光街道", "明月街道"]));
    expect(districtOrg.areas.map((a: { name: string }) => a.name)).not.toContain("江南市");
    expect((await call(city, "GET", "/api/admin/org")).body.scope).toBeNull();
  });

  it("the other street's areas, units, groups and contacts read exactly as missing ones when changed, and nothing changes", async () => {
    const same = async (method: string, path: string, missingPath: string, body?: unknown) => {
      const theirs = await call(yangguang, method, path, body);
      const missing = await call(yangguang, method, missingPath, body);
      expect(theirs.status, `${method} ${path}`).toBe(missing.status);
      expect(theirs.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(theirs.body, `${method} ${path}`).toEqual(missing.body);
    };
    await same("PATCH", `/api/admin/areas/${id["明月社区"]}`, `/api/admin/areas/${MISSING_ID}`, { name: "被改名的社区" });
    await same("DELETE", `/api/admin/areas/${id["明月社区第一网格"]}`, `/api/admin/areas/${MISSING_ID}`);
    await same("POST", `/api/admin/areas/${id["明月社区"]}/contacts`, `/api/admin/areas/${MISSING_ID}/contacts`, { kind: "phone", address: "12345" });
    await same("DELETE", `/api/admin/area-contacts/${id.mingyueStreetContact}`, `/api/admin/area-contacts/${MISSING_ID}`);
    await same("PATCH", `/api/admin/units/${id["明月派出所"]}`, `/api/admin/units/${MISSING_ID}`, { name: "被改名的派出所" });
    await same("POST", `/api/admin/units/${id["明月派出所"]}/contacts`, `/api/admin/units/${MISSING_ID}/contacts`, { kind: "phone", address: "12345" });
    await same("DELETE", `/api/admin/unit-contacts/${id.mingyuePoliceContact}`, `/api/admin/unit-contacts/${MISSING_ID}`);
    await same("PATCH", `/api/admin/groups/${id.mingyueGroup}`, `/api/admin/groups/${MISSING_ID}`, { enabled: false });
    await same("DELETE", `/api/admin/groups/${id.mingyueGroup}`, `/api/admin/groups/${MISSING_ID}`);
    // Naming the other street as the place for something new reads as naming nothing that exists.
    const body = (parentId: number) => ({ level: "grid", name: "越界网格", parentId });
    await same("POST", "/api/admin/areas", "/api/admin/areas", body(id["明月社区"]));
    const put = async (path: string, make: (areaOrGrid: number) => unknown, theirs: number) => {
      const a = await call(yangguang, "POST", path, make(theirs));
      const b = await call(yangguang, "POST", path, make(MISSING_ID));
      expect(a.status, path).toBe(400);
      expect(a.body).toEqual(b.body);
    };
    await put("/api/admin/units", (areaId) => ({ name: "越界的单位", kind: "department", areaId }), id["明月街道"]);
    await put("/api/admin/groups", (gridId) => ({ channel: "wechaty", chatId: "wx-room-elsewhere", name: "越界的群", gridId }), id["明月社区第一网格"]);
    expect((await call(yangguang, "PATCH", `/api/admin/units/${id["阳光派出所"]}`, { areaId: id["明月街道"] })).status).toBe(400);

    const db = svc.services.db;
    expect(await db.area.findUniqueOrThrow({ where: { id: id["明月社区"] } })).toMatchObject({ name: "明月社区" });
    expect(await db.area.findUnique({ where: { id: id["明月社区第一网格"] } })).not.toBeNull();
    expect(await db.unit.findUniqueOrThrow({ where: { id: id["明月派出所"] } })).toMatchObject({ name: "明月派出所" });
    expect(await db.unit.findUniqueOrThrow({ where: { id: id["阳光派出所"] } })).toMatchObject({ areaId: id["阳光街道"] });
    expect(await db.chatGroup.findUniqueOrThrow({ where: { id: id.mingyueGroup } })).toMatchObject({ enabled: true });
    expect(await db.areaContact.findUnique({ where: { id: id.mingyueStreetContact } })).not.toBeNull();
    expect(await db.unitContact.findUnique({ where: { id: id.mingyuePoliceContact } })).not.toBeNull();
    expect(await db.unit.findUnique({ where: { name: "越界的单位" } })).toBeNull();
  });

  it("keeps what is below the street; the street itself is the district's to rename, and no new street at the top", async () => {
    const added = await call(yangguang, "POST", "/api/admin/areas", { level: "community", name: "新建社区", parentId: id["阳光街道"] });
    expect(added.status).toBe(201);
    expect((await call(yangguang, "PATCH", `/api/admin/areas/${added.body.id}`, { name: "新建社区（改）" })).status).toBe(200);
    expect((await call(yangguang, "DELETE", `/api/admin/areas/${added.body.id}`)).status).toBe(204);
    const own = await call(yangguang, "PATCH", `/api/admin/areas/${id["阳光街道"]}`, { name: "阳光新街道" });
    expect(own.status).toBe(403);
    expect((await call(yangguang, "POST", "/api/admin/areas", { level: "street", name: "自立街道", parentId: null })).status).toBe(400);
    expect((await call(yangguang, "POST", `/api/admin/areas/${id["阳光街道"]}/contacts`, { kind: "phone", address: "0571-88000009" })).status).toBe(201);
    const unit = await call(yangguang, "POST", "/api/admin/units", { name: "阳光街道市容巡查队", kind: "department", areaId: id["幸福社区"] });
    expect(unit.status).toBe(201);
    expect((await call(yangguang, "POST", "/api/admin/units", { name: "无处的单位", kind: "department", areaId: null })).status).toBe(400);
    // The district's administrator renames the street; the area an administrator keeps cannot be deleted.
    expect((await call(district, "PATCH", `/api/admin/areas/${id["阳光街道"]}`, { name: "阳光街道" })).status).toBe(200);
    const refused = await call(city, "DELETE", `/api/admin/areas/${id["明月街道"]}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("管理员");
  });

  it("what is the city's is refused to a street's and a district's administrator: settings, emergency rules, channels, the list, prompts, replies, tokens", async () => {
    const cityWide: [string, string, unknown?][] = [
      ["GET", "/api/admin/settings"],
      ["PATCH", "/api/admin/settings", { autoDispatch: false }],
      ["GET", "/api/admin/emergency-rules"],
      ["PUT", "/api/admin/emergency-rules/fire", { active: false }],
      ["GET", "/api/admin/channels"],
      ["GET", "/api/admin/list/versions"],
      ["GET", "/api/admin/matters"],
      ["GET", "/api/admin/prompts"],
      ["GET", "/api/admin/replies"],
      ["GET", "/api/tokens"],
    ];
    for (const as of [yangguang, district]) {
      for (const [method, path, body] of cityWide) {
        const res = await call(as, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
    expect((await svc.services.settings.current()).autoDispatch).toBe(true);
    expect((await call(city, "GET", "/api/admin/settings")).status).toBe(200);
  });
});

describe("accounts", () => {
  it("a street's administrator makes workers of their own grids only, and no administrator; the city's makes a street's administrator", async () => {
    const own = await call(yangguang, "POST", "/api/users", { username: "yg-worker", displayName: "阳光网格员", role: "worker", gridIds: [(await svc.services.db.area.findFirstOrThrow({ where: { name: "幸福社区第一网格" } })).id] });
    expect(own.status).toBe(201);
    const elsewhere = await call(yangguang, "POST", "/api/users", { username: "my-worker", displayName: "越界网格员", role: "worker", gridIds: [id["明月社区第一网格"]] });
    const nowhere = await call(yangguang, "POST", "/api/users", { username: "my-worker", displayName: "越界网格员", role: "worker", gridIds: [MISSING_ID] });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body).toEqual(nowhere.body);
    for (const areaId of [null, id["阳光街道"]]) expect((await call(yangguang, "POST", "/api/users", { username: `yg-admin-${areaId}`, displayName: "越权管理员", role: "admin", areaId })).status).toBe(403);
    expect((await call(city, "POST", "/api/users", { username: "my-admin-2", displayName: "明月管理员", role: "admin", areaId: id["明月社区"] })).status).toBe(400);
    expect((await call(city, "POST", "/api/users", { username: "my-admin-2", displayName: "明月管理员", role: "admin", areaId: id["明月街道"] })).status).toBe(201);
    expect(await svc.services.db.user.count({ where: { username: { in: ["my-worker", "yg-admin-null", `yg-admin-${id["阳光街道"]}`] } } })).toBe(0);
  });

  it("a street's administrator lists, disables and resets only their own workers; others' accounts read as missing", async () => {
    const db = svc.services.db;
    const mine = await createUser(db, { username: "yg-worker-2", displayName: "阳光网格员二", role: "worker", gridIds: [(await db.area.findFirstOrThrow({ where: { name: "幸福社区第二网格" } })).id] });
    const theirs = await createUser(db, { username: "my-worker-2", displayName: "明月网格员", role: "worker", gridIds: [id["明月社区第一网格"]] });
    const listed = (await call(yangguang, "GET", "/api/users")).body.users.map((u: { username: string }) => u.username);
    expect(listed).toContain("yg-worker-2");
    expect(listed).toContain("yg-admin");
    expect(listed.filter((n: string) => ["my-worker-2", "my-admin", "city-admin", "district-admin"].includes(n))).toEqual([]);
    for (const [method, suffix, body] of [["PATCH", "", { disabled: true }], ["POST", "/password", undefined]] as const) {
      const other = await call(yangguang, method, `/api/users/${theirs.user.id}${suffix}`, body);
      const missing = await call(yangguang, method, `/api/users/${MISSING_ID}${suffix}`, body);
      expect(other.status).toBe(404);
      expect(other.body).toEqual(missing.body);
    }
    const cityAdmin = await db.user.findUniqueOrThrow({ where: { username: "city-admin" } });
    expect((await call(yangguang, "PATCH", `/api/users/${cityAdmin.id}`, { disabled: true })).status).toBe(404);
    expect((await db.user.findUniqueOrThrow({ where: { id: theirs.user.id } })).disabledAt).toBeNull();
    expect((await call(yangguang, "PATCH", `/api/users/${mine.user.id}`, { disabled: true })).status).toBe(200);
  });

  it("tells the page which district or street an administrator keeps", async () => {
    expect((await call(yangguang, "GET", "/api/auth/me")).body.user.area).toEqual({ id: id["阳光街道"], name: "阳光街道", level: "street" });
    expect((await call(city, "GET", "/api/auth/me")).body.user.area).toBeNull();
  });
});

describe("what else a street keeps: hotspots, bookings, volunteers, places, pickers", () => {
  const same = async (as: Session, method: string, path: string, missingPath: string, body?: unknown) => {
    const theirs = await call(as, method, path, body);
    const missing = await call(as, method, missingPath, body);
    expect(theirs.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
    expect(theirs.status, `${method} ${path}`).toBe(missing.status);
    expect(theirs.body, `${method} ${path}`).toEqual(missing.body);
  };
  const csv = (lines: string[]) => ({ fileName: "x.csv", content: Buffer.from(lines.join("\n")).toString("base64") });

  it("阳光街道's hotspot is not in 明月街道's list, nor tasked or dismissed by its administrator", async () => {
    const db = svc.services.db;
    const matter = await db.matter.findUniqueOrThrow({ where: { code: "SZ01" } });
    const now = new Date();
    const hotspot = await db.hotspot.create({ data: { key: `districts-${Date.now()}`, kind: "repeat", matterId: matter.id, areaId: id["幸福社区"], count: 3, caseIds: [], firstSeenAt: now, lastSeenAt: now } });
    expect((await call(yangguang, "GET", "/api/hotspots")).body.hotspots.map((h: { id: number }) => h.id)).toContain(hotspot.id);
    expect((await call(mingyue, "GET", "/api/hotspots")).body.hotspots.map((h: { id: number }) => h.id)).not.toContain(hotspot.id);
    await same(mingyue, "POST", `/api/hotspots/${hotspot.id}/dismiss`, `/api/hotspots/${MISSING_ID}/dismiss`);
    await same(mingyue, "POST", `/api/hotspots/${hotspot.id}/task`, `/api/hotspots/${MISSING_ID}/task`, {});
    expect((await db.hotspot.findUniqueOrThrow({ where: { id: hotspot.id } })).status).toBe("open");
  });

  it("阳光街道's bookings are not in 明月街道's list, and stepping one reads as a missing booking", async () => {
    const db = svc.services.db;
    const place = await db.servicePlace.findUniqueOrThrow({ where: { code: "XF-CANTEEN" }, include: { services: true } });
    const service = place.services.find((x) => x.bookable)!;
    const booking = await db.serviceRequest.create({ data: { number: "YY2026-990001", placeId: place.id, serviceId: service.id, channel: "http", chatId: "wx-districts", isGroup: false, text: "预约送餐", slotAt: new Date(Date.now() + 86400_000), status: "requested", createdAt: new Date() } });
    expect((await call(yangguang, "GET", "/api/bookings")).body.bookings.map((b: { number: string }) => b.number)).toContain(booking.number);
    expect((await call(mingyue, "GET", "/api/bookings")).body.bookings.map((b: { number: string }) => b.number)).not.toContain(booking.number);
    await same(mingyue, "POST", `/api/bookings/${booking.number}/actions`, "/api/bookings/YY2099-999999/actions", { action: "decline", note: "不归我们" });
    expect((await db.serviceRequest.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe("requested");
  });

  it("阳光街道's volunteers and 党员中心户 are not 明月街道's to see, change, claim for or import over", async () => {
    const db = svc.services.db;
    const li = await db.volunteer.findFirstOrThrow({ where: { name: "李红" } });
    const zhang = await db.partyHousehold.findFirstOrThrow({ where: { name: { startsWith: "张建国" } } });
    const page = (await call(mingyue, "GET", "/api/admin/volunteers")).body;
    expect(page.volunteers).toEqual([]);
    expect(page.households).toEqual([]);
    expect(page.areas.map((a: { name: string }) => a.name).filter((n: string) => !n.startsWith("明月") && !n.endsWith("幢"))).toEqual([]);
    expect((await call(yangguang, "GET", "/api/admin/volunteers")).body.volunteers.map((v: { name: string }) => v.name)).toContain("李红");
    await same(mingyue, "PATCH", `/api/admin/volunteers/${li.id}`, `/api/admin/volunteers/${MISSING_ID}`, { active: false });
    await same(mingyue, "PATCH", `/api/admin/households/${zhang.id}`, `/api/admin/households/${MISSING_ID}`, { active: false });
    await same(mingyue, "POST", `/api/admin/households/${zhang.id}/notes`, `/api/admin/households/${MISSING_ID}/notes`, { number: ygCase, text: "走访" });
    await same(mingyue, "POST", `/api/admin/volunteer-tasks/${ygCase}/claim`, `/api/admin/volunteer-tasks/${ygCase}/claim`, { volunteerId: li.id });
    const gridA = (await db.area.findFirstOrThrow({ where: { name: "幸福社区第一网格" } })).id;
    const addTo = async (gridId: number) => call(mingyue, "POST", "/api/admin/volunteers", { name: "越界志愿者", gridId });
    expect((await addTo(gridA)).body).toEqual((await addTo(MISSING_ID)).body);
    expect((await addTo(gridA)).status).toBe(400);
    const imported = await call(mingyue, "POST", "/api/admin/volunteers/import", csv(["姓名,网格", "越界志愿者,幸福社区第一网格"]));
    expect(imported.status).toBe(422);
    expect(JSON.stringify(imported.body)).toContain("没有网格“幸福社区第一网格”");
    // A household of the same name in the other street is not overwritten: theirs is added beside it.
    const households = await call(mingyue, "POST", "/api/admin/households/import", csv(["户名,网格,楼栋", `${zhang.name},明月社区第一网格,1幢`]));
    expect(households.status, JSON.stringify(households.body)).toBe(200);
    expect(households.body).toEqual({ added: 1, changed: 0 });
    expect((await db.partyHousehold.findUniqueOrThrow({ where: { id: zhang.id }, include: { buildings: { include: { building: true } } } })).buildings.map((b) => b.building.name).sort()).toEqual(["10号楼", "9号楼"]);
    expect((await call(mingyue, "PATCH", "/api/admin/volunteers/matters/SZ01", { volunteerClaimable: true })).status).toBe(403);
    expect((await db.volunteer.findUniqueOrThrow({ where: { id: li.id } })).active).toBe(true);
    expect(await db.volunteer.count({ where: { name: "越界志愿者" } })).toBe(0);
  });

  it("阳光街道's service places are not 明月街道's to list, change or import over", async () => {
    const db = svc.services.db;
    const canteen = await db.servicePlace.findUniqueOrThrow({ where: { code: "XF-CANTEEN" } });
    expect((await call(mingyue, "GET", "/api/admin/places")).body.places).toEqual([]);
    expect((await call(yangguang, "GET", "/api/admin/places")).body.places.map((p: { code: string }) => p.code)).toContain("XF-CANTEEN");
    await same(mingyue, "PATCH", `/api/admin/places/${canteen.id}`, `/api/admin/places/${MISSING_ID}`, { name: "被改名的食堂" });
    await same(mingyue, "POST", `/api/admin/places/${canteen.id}/contacts`, `/api/admin/places/${MISSING_ID}/contacts`, { kind: "phone", address: "12345" });
    const create = (areaId: number) => call(mingyue, "POST", "/api/admin/places", { code: `MY-${areaId}`, name: "越界场所", kind: "other", address: "某路1号", areaId });
    const theirs = await create(id["幸福社区"]);
    expect(theirs.status).toBe(400);
    expect(theirs.body).toEqual({ ...(await create(MISSING_ID)).body });
    const HEADER = "编码,名称,类型,地址,所属区域";
    const named = await call(mingyue, "POST", "/api/admin/places/import", csv([HEADER, "MY-X,越界场所,其他,某路1号,幸福社区"]));
    expect(named.status).toBe(422);
    expect(JSON.stringify(named.body)).toContain("区域“幸福社区”不存在");
    const overwrite = await call(mingyue, "POST", "/api/admin/places/import", csv([HEADER, "XF-CANTEEN,明月食堂,其他,明月路1号,明月社区"]));
    expect(overwrite.status).toBe(409);
    expect((await db.servicePlace.findUniqueOrThrow({ where: { id: canteen.id } })).name).toBe(canteen.name);
  });

  it("the pickers offer a street's own grids, and units of its own, the district's and no area's — not the other street's", async () => {
    const grids = (await call(yangguang, "GET", "/api/grids")).body.grids;
    expect(grids.map((g: { name: string }) => g.name)).toEqual(["幸福社区第一网格", "幸福社区第二网格", "和平社区第一网格"]);
    expect(grids[0]).toMatchObject({ street: "阳光街道", streetId: id["阳光街道"], district: "新城区" });
    const units = (await call(yangguang, "GET", "/api/units")).body.units.map((u: { name: string }) => u.name);
    expect(units).toEqual(expect.arrayContaining(["阳光派出所", "区市政设施管理中心"]));
    expect(units.filter((n: string) => n.startsWith("明月"))).toEqual([]);
    expect((await call(city, "GET", "/api/units")).body.units.map((u: { name: string }) => u.name)).toContain("明月派出所");
  });
});

describe("督办 up to the district", () => {
  it("raises a 明月街道 case nobody signs for to its community, a day later its street, a day after that the district — and no further", { timeout: 60_000 }, async () => {
    const clock = new FakeClock(cst("2026-11-02T10:00")); // a Monday
    const own = await startService({}, { clock: clock.now });
    try {
      const { services } = own;
      const opened = await services.intake.receive(
        { channel: "simulator", messageId: "esc-1", chatId: "sim-mingyue-1", chatName: undefined, isGroup: true, senderId: "r1", senderName: "李大爷", text: "@小民 2幢电梯坏了，老人下不了楼", mentionsBot: true },
        clock.now(),
      );
      const number = opened.case!.number;
      const areaChats = new Set(["sim-grid-mingyue-1", "sim-community-mingyue", "sim-street-mingyue", "sim-district", "sim-street", "sim-community-xingfu"]);
      const raisedTo = async () => (await services.db.outbox.findMany({ where: { kind: "escalation", case: { number } }, orderBy: { id: "asc" } })).filter((m) => areaChats.has(m.chatId)).map((m) => `${m.chatId}:${m.text.slice(0, 6)}`);
      for (const at of ["2026-11-02T15:00", "2026-11-03T15:00", "2026-11-04T15:00"]) {
        clock.set(cst(at));
        await runFollowUp(services);
      }
      expect(await raisedTo()).toEqual(["sim-community-mingyue:【督办】工单", "sim-street-mingyue:【二级督办】", "sim-district:【三级督办】"]);
      const kase = await services.db.case.findUniqueOrThrow({ where: { number } });
      expect(kase.escalationLevel).toBe(3);
      const notes = (await services.db.caseEvent.findMany({ where: { caseId: kase.id, type: "escalated" }, orderBy: { id: "asc" } })).map((e) => e.note);
      expect(notes).toEqual(["签收超时，一级督办", "签收超时，二级督办", "签收超时，三级督办"]);
      // Nothing is raised above the district (the city): no response-phase escalation is left to run.
      const left = await services.db.job.findMany({ where: { caseId: kase.id, kind: "escalate", status: "pending" } });
      expect(left.filter((j) => (j.payload as { phase: string }).phase === "response")).toEqual([]);
    } finally {
      await own.close();
    }
  });
});
