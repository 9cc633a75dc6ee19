// Administrators keep the organisation as data, and it takes effect on the next message: the area hierarchy,
// units and their contacts, which groups the bot serves and in which grid, and the run-time settings.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, groupMessage, startService, type TestService } from "./helpers/service.ts";
import { ReferenceData } from "../src/reference.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";

let svc: TestService;
let admin: Session;
let worker: Session;

const call = async (method: string, path: string, body?: unknown, as: Session = admin) => callAs(svc, as, method, path, body);

beforeAll(async () => {
  svc = await startService({}, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
  ({ admin, worker } = await adminAndWorker(svc, "组织"));
});
afterAll(async () => {
  await svc.close();
});

describe("organisation", () => {
  it("is for administrators only", async () => {
    expect((await call("GET", "/api/admin/org", undefined, worker)).status).toBe(403);
    expect((await call("PATCH", "/api/admin/settings", { autoDispatch: false }, worker)).status).toBe(403);
    expect((await call("PATCH", "/api/admin/settings", { autoDispatch: false }, { ...admin, csrf: "" })).status).toBe(403);
  });

  it("starts with a city and a district above two streets, each with its own community, grids, buildings, units and demo groups", async () => {
    const { body: org } = await call("GET", "/api/admin/org");
    const byName = new Map(org.areas.map((a: any) => [a.name, a]));
    const path = (name: string): string[] => {
      const a: any = byName.get(name);
      const parent = org.areas.find((p: any) => p.id === a.parentId);
      return parent ? [...path(parent.name), a.name] : [a.name];
    };
    expect(org.areas.filter((a: any) => a.level === "city").map((a: any) => a.name)).toEqual(["江南市"]);
    expect(org.areas.filter((a: any) => a.level === "district").map((a: any) => a.name)).toEqual(["新城区"]);
    expect(org.areas.filter((a: any) => a.level === "street").map((a: any) => path(a.name))).toEqual([
      ["江南市", "新城区", "阳光街道"],
      ["江南市", "新城区", "明月街道"],
    ]);
    const streetOf = (areaId: number | null): string | null => {
      const a = org.areas.find((x: any) => x.id === areaId);
      return !a ? null : a.level === "street" ? a.name : streetOf(a.parentId);
    };
    expect(org.areas.filter((a: any) => a.level === "grid" && streetOf(a.id) === "明月街道").map((a: any) => a.name)).toEqual(["明月社区第一网格", "明月社区第二网格"]);
    expect(org.areas.filter((a: any) => a.level === "building" && streetOf(a.id) === "明月街道")).toHaveLength(8);
    // Unit names are unique: each street's own units carry its name.
    const units = (street: string) => org.units.filter((u: any) => streetOf(u.areaId) === street).map((u: any) => u.name);
    expect(units("明月街道")).toEqual(expect.arrayContaining(["明月街道综合行政执法队", "明月社区居委会", "明月派出所", "明月苑物业服务中心"]));
    expect(units("阳光街道")).toEqual(expect.arrayContaining(["街道综合行政执法队", "幸福社区居委会", "阳光派出所", "阳光花园物业服务中心"]));
    const groups = (street: string) => org.groups.filter((g: any) => streetOf(g.gridId) === street).map((g: any) => g.channel);
    expect(groups("明月街道").sort()).toEqual(["http", "simulator"]);
    expect(groups("阳光街道").sort()).toEqual(["http", "simulator", "simulator"]);
    // The district has a 督办 contact of its own, as each street does.
    expect(byName.get("新城区")).toMatchObject({ contacts: [expect.objectContaining({ kind: "room", address: "sim-district" })] });
  });

  it("keeps the hierarchy 街道 → 社区 → 网格 → 楼栋, refusing a wrong parent, a duplicate and deleting what is in use", async () => {
    const { body: org } = await call("GET", "/api/admin/org");
    const community = org.areas.find((a: any) => a.level === "community");
    const street = org.areas.find((a: any) => a.level === "street");
    expect((await call("POST", "/api/admin/areas", { level: "grid", name: "第九网格", parentId: street.id })).body.error.message).toBe("请选择上级社区");
    const grid = await call("POST", "/api/admin/areas", { level: "grid", name: "第九网格", parentId: community.id });
    expect(grid.status).toBe(201);
    expect((await call("POST", "/api/admin/areas", { level: "grid", name: "第九网格", parentId: community.id })).status).toBe(409);
    const building = await call("POST", "/api/admin/areas", { level: "building", name: "9号楼", parentId: grid.body.id });
    const refused = await call("DELETE", `/api/admin/areas/${grid.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe("“第九网格”仍有下级区域，不能删除");
    expect((await call("DELETE", `/api/admin/areas/${building.body.id}`)).status).toBe(204);
    expect((await call("DELETE", `/api/admin/areas/${grid.body.id}`)).status).toBe(204);
  });

  it("routes a group's next appeal to the grid it is remapped to", async () => {
    const db = svc.services.db;
    const first = (await svc.post("/api/channels/http/messages", groupMessage("@小民 3号楼电梯坏了"))).body.case.number;
    expect((await db.case.findUniqueOrThrow({ where: { number: first }, include: { grid: true } })).grid?.name).toBe("幸福社区第一网格");

    const { body: org } = await call("GET", "/api/admin/org");
    const group = org.groups.find((g: any) => g.chatId === "yangguang-owners");
    const second = org.areas.find((a: any) => a.name === "幸福社区第二网格");
    const community = org.areas.find((a: any) => a.level === "community");
    expect((await call("PATCH", `/api/admin/groups/${group.id}`, { gridId: community.id })).body.error.message).toBe("请选择一个网格");
    expect((await call("PATCH", `/api/admin/groups/${group.id}`, { gridId: second.id })).status).toBe(200);

    const next = (await svc.post("/api/channels/http/messages", groupMessage("@小民 5号楼电梯坏了"))).body.case.number;
    expect((await db.case.findUniqueOrThrow({ where: { number: next }, include: { grid: true } })).grid?.name).toBe("幸福社区第二网格");

    // A group kept for appeals takes every message, without an @mention.
    expect((await svc.post("/api/channels/http/messages", groupMessage("8号楼电梯坏了", { mentionsBot: false }))).body.outcome).toBe("not_addressed");
    await call("PATCH", `/api/admin/groups/${group.id}`, { mentionRequired: false });
    expect((await svc.post("/api/channels/http/messages", groupMessage("8号楼电梯坏了", { mentionsBot: false }))).body.case.matterCode).toBe("DT01");
    await call("PATCH", `/api/admin/groups/${group.id}`, { mentionRequired: true });

    // A group no longer served is ignored from its next message.
    await call("PATCH", `/api/admin/groups/${group.id}`, { enabled: false });
    expect((await svc.post("/api/channels/http/messages", groupMessage("@小民 6号楼电梯坏了"))).body.outcome).toBe("ignored");
    await call("PATCH", `/api/admin/groups/${group.id}`, { enabled: true, gridId: org.areas.find((a: any) => a.name === "幸福社区第一网格").id });
  });

  it("reaches a unit through the contact an administrator adds, and checks it first", async () => {
    const db = svc.services.db;
    const { body: org } = await call("GET", "/api/admin/org");
    const lamps = org.units.find((u: any) => u.name === "区市政设施管理中心");
    const bad = await call("POST", `/api/admin/units/${lamps.id}/contacts`, { kind: "webhook", address: "ftp://x" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("Webhook 地址应以 http:// 或 https:// 开头");
    expect((await call("POST", `/api/admin/units/${lamps.id}/contacts`, { kind: "room", address: "sim-lamps" })).body.error.message).toContain("群、联系人或办事人员需要选择渠道");
    const added = await call("POST", `/api/admin/units/${lamps.id}/contacts`, { kind: "room", channel: "simulator", address: "sim-lamps-work", name: "市政工作群" });
    expect(added.status).toBe(201);

    const number = (await svc.post("/api/channels/http/messages", groupMessage("@小民 北门路灯不亮了，晚上很黑"))).body.case.number;
    const kase = await db.case.findUniqueOrThrow({ where: { number } });
    const sent = await db.outbox.findFirst({ where: { caseId: kase.id, kind: "unit_dispatch" } });
    expect(sent).toMatchObject({ channel: "simulator", chatId: "sim-lamps-work" });
    expect((await call("DELETE", `/api/admin/unit-contacts/${added.body.id}`)).status).toBe(204);
  });

  it("adds a unit, refusing a name already used", async () => {
    expect((await call("POST", "/api/admin/units", { name: "区市政设施管理中心" })).status).toBe(409);
    const created = await call("POST", "/api/admin/units", { name: "区园林绿化所", kind: "department" });
    expect(created.status).toBe(201);
    expect((await call("GET", "/api/units")).body.units.map((u: any) => u.name)).toContain("区园林绿化所");
  });
});

describe("settings", () => {
  it("are shown with their defaults and Chinese labels, and each bad value is named", async () => {
    const { body } = await call("GET", "/api/admin/settings");
    expect(body.values.quietHours).toEqual({ start: "21:00", end: "08:00" });
    expect(body.defaults.triggerPrefixes).toEqual(["#诉求", "#求助", "#报修"]);
    expect(body.labels.chasePoints.label).toBe("催办节点");
    const bad = await call("PATCH", "/api/admin/settings", { quietHours: { start: "25:00", end: "08:00" }, chasePoints: [1.5], nonsense: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("免打扰时段");
    expect(bad.body.error.message).toContain("催办节点");
    expect(bad.body.error.message).toContain("没有设置项 nonsense");
    expect((await call("PATCH", "/api/admin/settings", { kpiWeights: { response: 0.5, resolution: 0.5, satisfaction: 0.5 } })).body.error.message).toBe("综合得分的三个权重之和应为 1");
  });

  it("take effect on the next message without a restart: trigger prefixes", async () => {
    // Back to the defaults afterwards, so the other tests see them in any order.
    onTestFinished(async () => void (await call("PATCH", "/api/admin/settings", { triggerPrefixes: svc.services.config.TRIGGER_PREFIXES, quietHours: { start: "21:00", end: "08:00" } })));
    const quiet = await svc.post("/api/channels/http/messages", groupMessage("#报事 7号楼电梯坏了", { mentionsBot: false }));
    expect(quiet.body.case).toBeUndefined();
    expect((await call("PATCH", "/api/admin/settings", { triggerPrefixes: ["#报事"], quietHours: { start: "22:00", end: "07:00" } })).status).toBe(200);
    const heard = await svc.post("/api/channels/http/messages", groupMessage("#报事 7号楼电梯坏了", { mentionsBot: false }));
    expect(heard.body.case.matterCode).toBe("DT01");
    expect((await svc.services.settings.current()).quietHours).toEqual({ start: "22:00", end: "07:00" });
  });
});

describe("emergency rules", () => {
  it("are answered with the hotline from the next message once added, and no longer once stopped, in every process", async () => {
    const other = await new ReferenceData(svc.services.db, 0).reload(); // another process on the same database
    const bad = await call("POST", "/api/admin/emergency-rules", { code: "lift", name: "电梯困人", keywords: [], hotline: "96333", advice: "请保持冷静" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("至少需要一个关键词");
    const rule = { code: "drowning", name: "落水", keywords: ["有人落水", "掉进河里"], hotline: "110", advice: "请立即拨打 110，向落水者抛救生圈或绳索，不要贸然下水。" };
    expect((await call("POST", "/api/admin/emergency-rules", rule)).status).toBe(201);
    expect((await call("POST", "/api/admin/emergency-rules", rule)).status).toBe(409);

    const trapped = await svc.post("/api/channels/http/messages", groupMessage("@小民 小区河边有人落水了，快来人"));
    expect(trapped.body.outcome).toBe("emergency");
    expect(trapped.body.replies[0].text).toContain("救生圈");
    await other.fresh();
    expect(other.emergencyRules.map((r) => r.code)).toContain("drowning");

    expect((await call("PUT", "/api/admin/emergency-rules/drowning", { active: false })).status).toBe(200);
    expect((await svc.post("/api/channels/http/messages", groupMessage("@小民 小区河边有人落水了，快来人"))).body.outcome).not.toBe("emergency");
    await other.fresh();
    expect(other.emergencyRules.map((r) => r.code)).not.toContain("drowning");
    expect((await call("PUT", "/api/admin/emergency-rules/nope", { active: false })).status).toBe(404);
  });
});
