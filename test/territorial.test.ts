// The territorial list (属地): a matter's units may be roles filled per area (inherited downward, overridable),
// so one list serves two streets, each case reaching its own street's unit, saying how it was found; a role
// nobody fills at the place sends the case to review with the reason, never to a wrong unit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, groupMessage, startService, type TestService } from "./helpers/service.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";

let svc: TestService;
let admin: Session;
let worker: Session;
const call = (method: string, path: string, body?: unknown, as: Session = admin) => callAs(svc, as, method, path, body);
const db = () => svc.services.db;

/** A street of its own beside the seeded one (same parent), with a community, a grid, a building and a served group. */
async function street(name: string) {
  const seeded = await db().area.findFirstOrThrow({ where: { level: "street" }, orderBy: { id: "asc" } });
  const s = await db().area.create({ data: { level: "street", name, parentId: seeded.parentId } });
  const community = await db().area.create({ data: { level: "community", name: `${name}一社区`, parentId: s.id } });
  const grid = await db().area.create({ data: { level: "grid", name: `${name}一社区第一网格`, parentId: community.id } });
  const building = await db().area.create({ data: { level: "building", name: "21号楼", parentId: grid.id } });
  const chatId = `group-${name}`;
  await db().chatGroup.create({ data: { channel: "http", chatId, name: `${name}居民群`, gridId: grid.id } });
  return { street: s, community, grid, building, chatId };
}
/** A unit reached in its own work chat (so what it is told is in the outbox). */
const unit = (name: string, areaId: number | null = null) =>
  db().unit.create({ data: { name, kind: "department", areaId, contacts: { create: { kind: "room", channel: "simulator", address: `sim-${name}` } } } });
const role = (name: string) => db().role.findUniqueOrThrow({ where: { name } });
const appeal = async (text: string, chatId = "yangguang-owners", extra: Record<string, unknown> = {}) => {
  const res = await svc.post("/api/channels/http/messages", groupMessage(`@小民 ${text}`, { chatId, chatName: `${chatId}群`, ...extra }));
  expect(res.status).toBe(200);
  return res.body;
};
const detail = async (number: string) => (await call("GET", `/api/cases/${number}`)).body;

beforeAll(async () => {
  svc = await startService({}, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
  ({ admin, worker } = await adminAndWorker(svc, "属地"));
});
afterAll(async () => {
  await svc.close();
});

describe("the territorial list", () => {
  it("sends the same appeal from a group of each default street to that street's own unit (the seed's two streets)", async () => {
    const cases = [
      // 违章搭建: 属地街道综合行政执法队, with 区住房和城乡建设局 (fixed) and 小区物业.
      { text: "一楼住户在院子里私搭乱建加盖了一间房", code: "WJ01", yangguang: "街道综合行政执法队", mingyue: "明月街道综合行政执法队", coop: { yangguang: ["区住房和城乡建设局", "阳光花园物业服务中心"], mingyue: ["区住房和城乡建设局", "明月苑物业服务中心"] } },
      // 治安: 属地派出所, with 属地社区居委会 (filled by each community).
      { text: "楼道里总有陌生人挨家挨户敲门，怀疑是小偷", code: "ZA01", yangguang: "阳光派出所", mingyue: "明月派出所", coop: { yangguang: ["幸福社区居委会"], mingyue: ["明月社区居委会"] } },
    ];
    for (const c of cases) {
      for (const [group, street] of [["yangguang-owners", "yangguang"], ["mingyue-owners", "mingyue"]] as const) {
        const res = await appeal(c.text, group);
        expect(res.case, `${c.code} from ${group}`).toMatchObject({ matterCode: c.code, leadUnit: c[street], status: "dispatched" });
        const shown = await detail(res.case.number);
        expect([...shown.cooperatingUnits].sort()).toEqual([...c.coop[street]].sort());
        expect(shown.units.unresolved).toEqual([]);
      }
    }
    const mingyue = await appeal(cases[0].text, "mingyue-owners");
    expect((await detail(mingyue.case.number)).units.lead.text).toBe("属地街道综合行政执法队 → 明月街道综合行政执法队（按 明月街道 确定）");
  });

  it("sends the same appeal from two streets to each street's own unit, and says how each was found", async () => {
    const a = await street("东湖街道");
    const b = await street("西岭街道");
    const enforcement = await role("属地街道综合行政执法队");
    const property = await role("小区物业");
    const unitA = await unit("东湖街道综合行政执法队", a.street.id);
    const unitB = await unit("西岭街道综合行政执法队", b.street.id);
    for (const [s, u] of [[a, unitA], [b, unitB]] as const) {
      expect((await call("PUT", `/api/admin/roles/${enforcement.id}/fillers/${s.street.id}`, { unitId: u.id })).status).toBe(200);
      // WJ01's cooperating 小区物业: one company for each street's compound.
      const company = await unit(`${s.street.name}物业公司`, s.community.id);
      expect((await call("PUT", `/api/admin/roles/${property.id}/fillers/${s.community.id}`, { unitId: company.id })).status).toBe(200);
    }
    const fromA = await appeal("有人在小区里私搭乱建加盖了一间房", a.chatId);
    const fromB = await appeal("有人在小区里私搭乱建加盖了一间房", b.chatId);
    expect(fromA.case).toMatchObject({ matterCode: "WJ01", leadUnit: "东湖街道综合行政执法队", status: "dispatched" });
    expect(fromB.case).toMatchObject({ matterCode: "WJ01", leadUnit: "西岭街道综合行政执法队", status: "dispatched" });
    // The resident is told the unit of their own street.
    expect(fromA.replies[0].text).toContain("东湖街道综合行政执法队");
    expect(fromA.replies[0].text).not.toContain("西岭");

    const shown = await detail(fromB.case.number);
    expect(shown.units.lead).toMatchObject({ unit: "西岭街道综合行政执法队", role: "属地街道综合行政执法队", area: "西岭街道", source: "role", text: "属地街道综合行政执法队 → 西岭街道综合行政执法队（按 西岭街道 确定）" });
    expect(shown.units.cooperating.map((c: any) => c.text)).toEqual(["区住房和城乡建设局（清单指定）", "小区物业 → 西岭街道物业公司（按 西岭街道一社区 确定）"]);
    expect([...shown.cooperatingUnits].sort()).toEqual(["区住房和城乡建设局", "西岭街道物业公司"].sort());
    const resolved = shown.events.find((e: any) => e.type === "units_resolved");
    expect(resolved.note).toContain("主责：属地街道综合行政执法队 → 西岭街道综合行政执法队（按 西岭街道 确定）");
    // The unit of the other street never heard of it.
    const told = await db().outbox.findMany({ where: { caseId: (await db().case.findUniqueOrThrow({ where: { number: fromB.case.number } })).id, kind: "unit_dispatch" } });
    expect(told.map((o) => o.chatId)).toEqual(["sim-西岭街道综合行政执法队"]);
    expect((await db().case.findUniqueOrThrow({ where: { number: fromB.case.number } })).leadUnitId).toBe(unitB.id);
  });

  it("lets an area lower down name its own filler, the rest inheriting the street's", async () => {
    const s = await street("南山街道");
    const community2 = await db().area.create({ data: { level: "community", name: "南山街道二社区", parentId: s.street.id } });
    const grid2 = await db().area.create({ data: { level: "grid", name: "南山街道二社区第一网格", parentId: community2.id } });
    await db().chatGroup.create({ data: { channel: "http", chatId: "group-南山二", name: "南山二社区居民群", gridId: grid2.id } });
    const committee = await role("属地社区居委会");
    const streetWide = await unit("南山街道社区工作站");
    const own = await unit("南山二社区居委会", community2.id);
    await call("PUT", `/api/admin/roles/${committee.id}/fillers/${s.street.id}`, { unitId: streetWide.id });
    await call("PUT", `/api/admin/roles/${committee.id}/fillers/${community2.id}`, { unitId: own.id });

    // QT01 (社区事务) is led by 属地社区居委会.
    const inherited = await appeal("想开一个居住证明需要带什么材料", s.chatId);
    const overridden = await appeal("想开一个居住证明需要带什么材料", "group-南山二");
    expect(inherited.case).toMatchObject({ matterCode: "QT01", leadUnit: "南山街道社区工作站" });
    expect(overridden.case).toMatchObject({ matterCode: "QT01", leadUnit: "南山二社区居委会" });
    expect((await detail(inherited.case.number)).units.lead.text).toBe("属地社区居委会 → 南山街道社区工作站（按 南山街道 确定）");
    expect((await detail(overridden.case.number)).units.lead.text).toBe("属地社区居委会 → 南山二社区居委会（按 南山街道二社区 确定）");

    // Removing the community's own filler: the street's serves it again.
    expect((await call("DELETE", `/api/admin/roles/${committee.id}/fillers/${community2.id}`)).status).toBe(204);
    expect((await appeal("想开一个居住证明需要带什么材料", "group-南山二")).case.leadUnit).toBe("南山街道社区工作站");
  });

  it("sends a case whose role nobody fills at its place to review with the reason, and dispatches it once a filler is named", async () => {
    const s = await street("北塘街道");
    const enforcement = await role("属地街道综合行政执法队");
    const res = await appeal("有人在小区里私搭乱建加盖了一间房", s.chatId);
    expect(res.case).toMatchObject({ matterCode: "WJ01", status: "needs_review", leadUnit: null });
    const kase = await db().case.findUniqueOrThrow({ where: { number: res.case.number } });
    // Never a wrong unit: nobody was told.
    expect(await db().outbox.count({ where: { caseId: kase.id, kind: { startsWith: "unit_" } } })).toBe(0);
    const reason = "“北塘街道一社区第一网格”及其上级区域都没有指定“属地街道综合行政执法队”由哪个单位承担";
    const noProperty = { slot: "cooperating", role: "小区物业", reason: "“北塘街道一社区第一网格”及其上级区域都没有指定“小区物业”由哪个单位承担" };
    expect((await detail(res.case.number)).units.unresolved).toEqual([{ slot: "lead", role: "属地街道综合行政执法队", reason }, noProperty]);
    expect((await detail(res.case.number)).events.find((e: any) => e.type === "units_resolved").note).toBe(`主责未能确定：${reason}；配合：区住房和城乡建设局（清单指定）；配合未能确定：${noProperty.reason}`);
    const queue = (await call("GET", "/api/cases?view=review&pageSize=100")).body.cases;
    expect(queue.find((c: any) => c.number === res.case.number).unresolvedUnits).toEqual([{ slot: "lead", role: "属地街道综合行政执法队", reason }, noProperty]);

    // Confirming while still nobody fills it is refused, saying why.
    const refused = await call("POST", `/api/cases/${res.case.number}/actions`, { action: "confirm" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(reason);

    const u = await unit("北塘街道综合行政执法队", s.street.id);
    await call("PUT", `/api/admin/roles/${enforcement.id}/fillers/${s.street.id}`, { unitId: u.id });
    expect((await call("POST", `/api/cases/${res.case.number}/actions`, { action: "confirm" })).status).toBe(200);
    const after = await detail(res.case.number);
    expect(after).toMatchObject({ status: "dispatched", leadUnit: "北塘街道综合行政执法队" });
    // The worker confirmed it knowing nobody fills 小区物业 there: it goes on with the units found, still saying so.
    expect(after.units.unresolved).toEqual([noProperty]);
    expect(after.units.lead.text).toBe("属地街道综合行政执法队 → 北塘街道综合行政执法队（按 北塘街道 确定）");
    expect(await db().outbox.count({ where: { caseId: kase.id, kind: "unit_dispatch" } })).toBe(1);
  });

  it("sends a role's case to review when nobody knows where it is", async () => {
    const res = await svc.post("/api/channels/http/messages", {
      messageId: `private-${Date.now()}`, chatId: "wx-private-1", isGroup: false, senderId: "wx-private-1", senderName: "李先生", text: "有人在小区里私搭乱建加盖了一间房", mentionsBot: false,
    });
    expect(res.body.case).toMatchObject({ matterCode: "WJ01", status: "needs_review", leadUnit: null });
    expect((await detail(res.body.case.number)).units.unresolved[0].reason).toBe("不知道诉求在哪个楼栋或网格，无法按属地确定“属地街道综合行政执法队”");
  });

  it("finds the units again at the place a resident gives when asked where, for the worker who confirms it", async () => {
    const res = await svc.post("/api/channels/http/messages", {
      messageId: `private-where-${Date.now()}`, chatId: "wx-private-where", isGroup: false, senderId: "wx-private-where", senderName: "王女士", text: "电梯坏了，一直没人来修", mentionsBot: false,
    });
    expect(res.body.case).toMatchObject({ matterCode: "DT01", status: "needs_review", leadUnit: null });
    const kase = await db().case.findUniqueOrThrow({ where: { number: res.body.case.number } });
    expect(kase.missingInfo).toContain("location");
    const answered = await svc.post("/api/channels/http/messages", {
      messageId: `private-where-2-${Date.now()}`, chatId: "wx-private-where", isGroup: false, senderId: "wx-private-where", senderName: "王女士", text: "在3号楼2单元", mentionsBot: false,
    });
    expect(answered.body.outcome).toBe("answer");
    const shown = await detail(res.body.case.number);
    // Still the worker's to confirm, now with the unit found and nothing left unexplained.
    expect(shown).toMatchObject({ status: "needs_review", leadUnit: "阳光花园物业服务中心", building: "3号楼" });
    expect(shown.units.unresolved).toEqual([]);
    expect(shown.units.lead.text).toBe("小区物业 → 阳光花园物业服务中心（按 幸福社区 确定）");
    expect((await call("POST", `/api/cases/${res.body.case.number}/actions`, { action: "confirm" })).status).toBe(200);
    expect((await detail(res.body.case.number)).status).toBe("dispatched");
  });

  it("keeps a fixed unit for the whole city, whatever the place; a cooperating role nobody fills is left out, saying why", async () => {
    const s = await street("江岸街道");
    // 道路清扫 names one fixed unit and nothing else: nothing to explain on the timeline.
    const sweep = await appeal("小区外面那条路上全是落叶和垃圾没人扫", s.chatId);
    expect(sweep.case).toMatchObject({ matterCode: "HW02", leadUnit: "区环境卫生服务中心", status: "dispatched" });
    const swept = await detail(sweep.case.number);
    expect(swept.units).toEqual({ lead: expect.objectContaining({ unit: "区环境卫生服务中心", source: "fixed", text: "区环境卫生服务中心（清单指定）" }), cooperating: [], unresolved: [] });
    expect(swept.events.map((e: any) => e.type)).not.toContain("units_resolved");

    // 停水: 市自来水有限公司 for the whole city, with 小区物业, whom nobody fills in this new street. The lead unit
    // goes ahead; the missing cooperating unit is said on the case rather than guessed.
    const res = await appeal("我们楼从早上开始停水了，也没通知", s.chatId);
    expect(res.case).toMatchObject({ matterCode: "GG01", leadUnit: "市自来水有限公司", status: "dispatched" });
    const shown = await detail(res.case.number);
    expect(shown.units.lead).toMatchObject({ unit: "市自来水有限公司", source: "fixed", text: "市自来水有限公司（清单指定）" });
    const reason = "“江岸街道一社区第一网格”及其上级区域都没有指定“小区物业”由哪个单位承担";
    expect(shown.units.unresolved).toEqual([{ slot: "cooperating", role: "小区物业", reason }]);
    expect(shown.cooperatingUnits).toEqual([]);
    expect(shown.events.find((e: any) => e.type === "units_resolved").note).toBe(`主责：市自来水有限公司（清单指定）；配合未能确定：${reason}`);
  });

  it("finds the units again when a worker corrects the matter, and records a 改派 as the worker's choice", async () => {
    const s = await street("湖滨街道");
    const police = await role("属地派出所");
    const station = await unit("湖滨派出所", s.street.id);
    await call("PUT", `/api/admin/roles/${police.id}/fillers/${s.street.id}`, { unitId: station.id });
    const committee = await role("属地社区居委会");
    const comm = await unit("湖滨一社区居委会", s.community.id);
    await call("PUT", `/api/admin/roles/${committee.id}/fillers/${s.community.id}`, { unitId: comm.id });
    // A matter no other test here opens (a correction teaches the classifier).
    const opened = await appeal("人行道上的泥土好几天了也没清理", s.chatId);
    expect(opened.case.matterCode).toBe("HW02");
    // Previewed first: what 治安 (ZA01) would reach at this case's place.
    const preview = await call("GET", `/api/cases/${opened.case.number}/units?matter=ZA01`);
    expect(preview.body.units.lead.text).toBe("属地派出所 → 湖滨派出所（按 湖滨街道 确定）");
    expect(preview.body.units.cooperating.map((c: any) => c.text)).toEqual(["属地社区居委会 → 湖滨一社区居委会（按 湖滨街道一社区 确定）"]);
    expect((await call("POST", `/api/cases/${opened.case.number}/actions`, { action: "confirm", matterCode: "ZA01" })).status).toBe(200);
    const corrected = await detail(opened.case.number);
    expect(corrected).toMatchObject({ leadUnit: "湖滨派出所", cooperatingUnits: ["湖滨一社区居委会"], status: "dispatched" });
    expect(corrected.events.filter((e: any) => e.type === "units_resolved").at(-1).note).toContain("主责：属地派出所 → 湖滨派出所（按 湖滨街道 确定）");

    const other = await unit("湖滨街道综合行政执法队");
    expect((await call("POST", `/api/cases/${opened.case.number}/actions`, { action: "reassign", leadUnitId: other.id, text: "属执法队管辖" })).status).toBe(200);
    const reassigned = await detail(opened.case.number);
    expect(reassigned.units.lead).toMatchObject({ unit: "湖滨街道综合行政执法队", source: "worker", text: "湖滨街道综合行政执法队（工作人员指定）" });
    expect(reassigned.units.cooperating.map((c: any) => c.unit)).toEqual(["湖滨一社区居委会"]);
  });

  it("previews a matter's units for an area, and refuses units' tokens", async () => {
    const xingfu = await db().area.findFirstOrThrow({ where: { name: "幸福社区" } });
    const res = await call("GET", `/api/matters/HW03/units?areaId=${xingfu.id}`, undefined, worker);
    expect(res.status).toBe(200);
    expect(res.body.units.lead).toMatchObject({ role: "属地街道城市管理办公室", source: "role" });
    expect(res.body.units.cooperating.map((c: any) => c.role)).toEqual(["属地社区居委会", "小区物业"]);
    expect((await call("GET", "/api/matters/HW03/units", undefined, worker)).body.units.unresolved.map((u: any) => u.role)).toEqual(["属地街道城市管理办公室", "属地社区居委会", "小区物业"]);
    expect((await call("GET", "/api/matters/NOPE/units", undefined, worker)).status).toBe(404);
  });
});

describe("the list file", () => {
  const file = (csv: string) => ({ fileName: "清单.csv", content: Buffer.from(csv).toString("base64") });
  const header = "编码,事项名称,类别,关键词,主责单位,配合单位,响应时限,办结时限";

  it("names roles or units in 主责单位 and 配合单位, says when a name is neither, and exports roles by name", async () => {
    const csv = [header, "GX07,共享单车乱停放,停车,共享单车,属地街道城市管理办公室,区公安交通管理大队、小区物业,12,3", "GX08,快递柜故障,物业管理,快递柜,属地快递站,,24,5", "GX09,充电桩损坏,停车,充电桩,区新能源服务站,属地充电站,24,5"].join("\n");
    const loose = await call("POST", "/api/admin/list/preview", { ...file(csv), mode: "merge" });
    // A name that reads like a role but is none is never made into a unit, even where new units are allowed.
    expect(loose.body.errors).toEqual([
      { row: 3, field: "主责单位", message: "“属地快递站”不是已有的属地角色，也不是单位（角色须先在“组织与设置”中添加）" },
      { row: 4, field: "配合单位", message: "“属地充电站”不是已有的属地角色，也不是单位（角色须先在“组织与设置”中添加）" },
    ]);
    expect(loose.body.newUnits).toEqual(["区新能源服务站"]);
    const strict = await call("POST", "/api/admin/list/preview", { ...file([header, "GX09,充电桩损坏,停车,充电桩,区新能源服务站,,24,5"].join("\n")), mode: "merge", strictUnits: true });
    expect(strict.body.errors).toEqual([{ row: 2, field: "主责单位", message: "“区新能源服务站”既不是已有的单位，也不是属地角色" }]);

    const good = [header, "GX07,共享单车乱停放,停车,共享单车,属地街道城市管理办公室,区公安交通管理大队、小区物业,12,3"].join("\n");
    const applied = await call("POST", "/api/admin/list/apply", { ...file(good), mode: "merge", reason: "共享单车按属地管理" });
    expect(applied.body).toMatchObject({ added: 1, newUnits: [] });
    const gx07 = await db().matter.findUniqueOrThrow({ where: { code: "GX07" }, include: { leadUnit: true, leadRole: true, cooperatingUnits: { include: { unit: true } }, cooperatingRoles: { include: { role: true } } } });
    expect(gx07).toMatchObject({ leadUnit: null, leadRole: { name: "属地街道城市管理办公室" } });
    expect(gx07.cooperatingUnits.map((c) => c.unit.name)).toEqual(["区公安交通管理大队"]);
    expect(gx07.cooperatingRoles.map((c) => c.role.name)).toEqual(["小区物业"]);
    // No unit was created for a role's name.
    expect(await db().unit.count({ where: { name: { in: ["属地街道城市管理办公室", "小区物业"] } } })).toBe(0);

    const exported = (await call("GET", "/api/admin/list/export.csv")).body.toString("utf8");
    expect(exported).toContain("GX07,共享单车乱停放,停车,");
    expect(exported.split("\n").find((l: string) => l.startsWith("GX07"))).toContain(",属地街道城市管理办公室,");
    // The export imports back unchanged.
    const back = await call("POST", "/api/admin/list/preview", { fileName: "back.csv", content: Buffer.from(exported).toString("base64"), mode: "merge" });
    expect(back.body).toMatchObject({ added: [], changed: [], errors: [] });
  });
});

describe("roles as administrators keep them", () => {
  it("are for administrators only", async () => {
    const r = await role("属地派出所");
    const grid = await db().area.findFirstOrThrow({ where: { level: "grid" } });
    const u = await db().unit.findFirstOrThrow();
    expect((await call("GET", "/api/admin/roles", undefined, worker)).status).toBe(403);
    // A worker cannot redirect a street's cases to a unit of their choosing.
    expect((await call("PUT", `/api/admin/roles/${r.id}/fillers/${grid.id}`, { unitId: u.id }, worker)).status).toBe(403);
    expect((await call("PUT", `/api/admin/roles/${r.id}/fillers/${grid.id}`, { unitId: u.id }, { ...admin, csrf: "" })).status).toBe(403);
    expect(await db().areaRoleUnit.count({ where: { roleId: r.id, areaId: grid.id } })).toBe(0);
  });

  it("are the city's; a street's administrator names fillers in their own street only, with their own units", async () => {
    const { createUser } = await import("../src/auth/users.ts");
    const { signIn } = await import("./helpers/session.ts");
    const mingyue = await db().area.findFirstOrThrow({ where: { name: "明月街道" } });
    await createUser(db(), { username: "mingyue-admin", displayName: "明月街道管理员", role: "admin", areaId: mingyue.id, password: "mingyue-admin-pass" });
    const street = await signIn(svc, "mingyue-admin", "mingyue-admin-pass");
    const police = await role("属地派出所");
    const own = await db().area.findFirstOrThrow({ where: { name: "明月社区" } });
    const other = await db().area.findFirstOrThrow({ where: { name: "幸福社区" } });
    const ownUnit = await db().unit.findUniqueOrThrow({ where: { name: "明月社区居委会" } });
    const otherUnit = await db().unit.findUniqueOrThrow({ where: { name: "阳光派出所" } });

    // What is the city's is refused; another street's area or unit reads as one that does not exist.
    expect((await call("POST", "/api/admin/roles", { code: "mingyue_x", name: "属地明月专用" }, street)).status).toBe(403);
    expect((await call("PATCH", `/api/admin/roles/${police.id}`, { name: "属地派出所（改）" }, street)).status).toBe(403);
    expect((await call("PUT", `/api/admin/roles/${police.id}/fillers/${other.id}`, { unitId: ownUnit.id }, street)).body.error.message).toBe("区域不存在");
    expect((await call("PUT", `/api/admin/roles/${police.id}/fillers/${own.id}`, { unitId: otherUnit.id }, street)).body.error.message).toBe("单位不存在");
    const yangguang = await db().area.findFirstOrThrow({ where: { name: "阳光街道" } });
    expect((await call("DELETE", `/api/admin/roles/${police.id}/fillers/${yangguang.id}`, undefined, street)).status).toBe(404);
    expect(await db().areaRoleUnit.count({ where: { roleId: police.id, areaId: yangguang.id } })).toBe(1);

    expect((await call("PUT", `/api/admin/roles/${police.id}/fillers/${own.id}`, { unitId: ownUnit.id }, street)).status).toBe(200);
    const listed = (await call("GET", "/api/admin/roles", undefined, street)).body.roles.find((r: any) => r.id === police.id);
    // Their own street's fillers, not 阳光街道's.
    expect(listed.fillers.map((f: any) => f.area.name).sort()).toEqual(["明月社区", "明月街道"].sort());
    await call("DELETE", `/api/admin/roles/${police.id}/fillers/${own.id}`, undefined, street);
  });

  it("are listed with their fillers; a role and a unit never share a name; a role in use is not deleted", async () => {
    const list = (await call("GET", "/api/admin/roles")).body.roles;
    const property = list.find((r: any) => r.name === "小区物业");
    expect(property.matters).toBeGreaterThan(10);
    expect(property.fillers).toContainEqual({ area: expect.objectContaining({ name: "幸福社区", level: "community" }), unit: expect.objectContaining({ name: "阳光花园物业服务中心" }) });

    expect((await call("POST", "/api/admin/roles", { code: "x_unit", name: "区教育局" })).status).toBe(409);
    expect((await call("POST", "/api/admin/units", { name: "属地派出所" })).body.error.message).toBe("“属地派出所”已是属地角色名称，单位须另起名称");
    const created = await call("POST", "/api/admin/roles", { code: "grid_worker", name: "属地网格员", description: "诉求所在网格的网格员" });
    expect(created.status).toBe(201);
    expect((await call("POST", "/api/admin/roles", { code: "grid_worker", name: "属地网格员二" })).status).toBe(409);
    expect((await call("DELETE", `/api/admin/roles/${property.id}`)).body.error.message).toMatch(/^职责清单中仍有 \d+ 处使用“小区物业”，不能删除$/);
    expect((await call("DELETE", `/api/admin/roles/${created.body.id}`)).status).toBe(204);
    expect((await call("PUT", `/api/admin/roles/${property.id}/fillers/999999`, { unitId: 1 })).status).toBe(400);
  });
});
