// Administrators keep the responsibility list: preview and apply CSV and XLSX files (bad rows reported per row and
// nothing written), versions with who and why, removed matters deactivated, cases opened after a change classified
// under the new version and sent to the new lead unit, single edits, export that imports back unchanged, roles.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { createUser } from "../src/auth/users.ts";
import { callAs, signIn, type Session } from "./helpers/session.ts";

// Each test has its own service and database: imports, edits and restores change the whole list, so no test
// reads a list another test changed; the restore builds the history it restores.
let svc: TestService;
let admin: Session;
let worker: Session;

beforeEach(async () => {
  svc = await startService();
  await createUser(svc.services.db, { username: "listadmin", displayName: "清单管理员", role: "admin", password: "list-admin-pass" });
  await createUser(svc.services.db, { username: "listworker", displayName: "网格员", role: "worker", password: "list-worker-pass" });
  admin = await login("listadmin", "list-admin-pass");
  worker = await login("listworker", "list-worker-pass");
});
afterEach(async () => {
  await svc?.close();
});

const call = (method: string, path: string, s: Session | null, body?: unknown) => callAs(svc, s, method, path, body);
const login = (username: string, password: string) => signIn(svc, username, password);

const file = (fileName: string, bytes: Buffer | string) => ({ fileName, content: Buffer.from(bytes).toString("base64") });
const HEADER = ["编码", "事项名称", "类别", "关键词", "主责单位", "配合单位", "响应时限", "办结时限"];

async function xlsx(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet("职责清单");
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The exported list as rows of cells (header first), to change and import back. */
async function exported(): Promise<string[][]> {
  const res = await call("GET", "/api/admin/list/export.xlsx", admin);
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.body as unknown as ArrayBuffer);
  const rows: string[][] = [];
  wb.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? "" : String(v)))));
  return rows;
}

const versionCount = () => svc.services.db.listVersion.count();

/**
 * The exported list changed for a replace: DT01 goes to a unit the database does not have yet, within 2 hours;
 * ZA02 (治安) is removed; GX01 is added. The exported rows, DT01's row in them, and the new file.
 */
async function replacement() {
  const rows = await exported();
  const col = (name: string) => rows[0].indexOf(name);
  const dt01 = rows.find((r) => r[0] === "DT01")!;
  dt01[col("主责单位")] = "电梯应急维修中心";
  dt01[col("响应时限")] = "2";
  const kept = rows.filter((r) => r[0] !== "ZA02");
  kept.push(["GX01", "共享单车乱停放", "停车", "共享单车停在小区门口", "共享单车、单车、乱停", "阳光街道城市管理办公室", "", "12", "3", "门口全是共享单车|单车堵住了人行道", "是"]);
  return { rows, dt01, bytes: await xlsx(kept) };
}

/** A new matter ZA99 led by 阳光派出所. */
async function newMatter() {
  const unit = await svc.services.db.unit.findUniqueOrThrow({ where: { name: "阳光派出所" } });
  return { code: "ZA99", name: "电动车飞线充电", category: "消防安全", keywords: ["飞线", "充电"], leadUnitId: unit.id, responseHours: 4, resolveDays: 2, reason: "新增事项" };
}

describe("access", () => {
  it("is for administrators only: a worker gets 403, no session 401, a change without the CSRF token 403", async () => {
    expect((await call("GET", "/api/admin/matters", worker)).status).toBe(403);
    expect((await call("POST", "/api/admin/list/preview", worker, file("a.csv", "编码,事项名称\nA,甲"))).status).toBe(403);
    expect((await call("GET", "/api/admin/list/versions", null)).status).toBe(401);
    const noCsrf = await call("PUT", "/api/admin/matters/DT01", { cookie: admin.cookie, csrf: "" }, { name: "x", reason: "测试" });
    expect(noCsrf.status).toBe(403);
  });
});

describe("the list", () => {
  it("starts with the seeded version, and lists, searches and pages matters", async () => {
    const versions = await call("GET", "/api/admin/list/versions", admin);
    expect(versions.body.versions.at(-1)).toMatchObject({ source: "seed", authorName: "系统" });
    expect(svc.services.reference.listVersionId).toBe(versions.body.versions[0].id);

    const all = await call("GET", "/api/admin/matters?pageSize=10", admin);
    expect(all.body.total).toBeGreaterThanOrEqual(30);
    expect(all.body.matters).toHaveLength(10);
    // Units and roles (属地) are searched alike: DT01 is led by the role 小区物业.
    const found = await call("GET", `/api/admin/matters?q=${encodeURIComponent("电梯 小区物业")}`, admin);
    expect(found.body.matters.map((m: any) => m.code)).toContain("DT01");
    expect(found.body.matters.every((m: any) => m.leadRole?.name === "小区物业" || m.cooperatingRoles.some((r: any) => r.name === "小区物业"))).toBe(true);
    expect((await call("GET", "/api/admin/matters?status=nonsense", admin)).status).toBe(400);
  });
});

describe("importing a file", () => {
  it("reports every bad row of a CSV (duplicate code, missing limit, missing unit, unknown unit when strict) and writes nothing", async () => {
    const csv = [
      HEADER.join(","),
      "DT01,电梯故障,电梯安全,电梯、坏了,阳光花园物业服务中心,,4,3",
      "DT01,电梯又坏了,电梯安全,电梯,阳光花园物业服务中心,,4,3",
      "N01,井盖缺失,市政设施,井盖,阳光街道城市管理办公室,,,5",
      "N02,路灯不亮,市政设施,路灯,,,24,5",
      "N03,充电桩起火隐患,消防安全,充电桩,不存在的消防站,,4,2",
    ].join("\n");
    const before = await versionCount();
    const preview = await call("POST", "/api/admin/list/preview", admin, { ...file("清单.csv", csv), mode: "merge", strictUnits: true });
    expect(preview.status).toBe(200);
    expect(preview.body.errors).toEqual([
      { row: 3, field: "编码", message: "编码 DT01 与第 2 行重复" },
      { row: 4, field: "响应时限", message: "缺少响应时限" },
      { row: 5, field: "主责单位", message: "缺少主责单位" },
      { row: 6, field: "主责单位", message: "“不存在的消防站”既不是已有的单位，也不是属地角色" },
    ]);

    const applied = await call("POST", "/api/admin/list/apply", admin, { ...file("清单.csv", csv), mode: "merge", strictUnits: true, reason: "测试坏行" });
    expect(applied.status).toBe(422);
    expect(applied.body.error.message).toBe("清单有 4 处问题，未写入任何数据");
    expect(applied.body.error.errors).toHaveLength(4);
    expect(await versionCount()).toBe(before);
    expect(await svc.services.db.matter.findUnique({ where: { code: "N01" } })).toBeNull();
  });

  it("reports the bad rows of an XLSX file with the sheet's row numbers, and refuses to apply it", async () => {
    const bytes = await xlsx([HEADER, ["X01", "快递柜故障", "物业管理", "快递柜", "阳光花园物业服务中心", "", 24, 5], ["X02", "", "", "", "", "", "", ""], ["X01", "快递柜又坏了", "物业管理", "快递柜", "阳光花园物业服务中心", "", 24, 5], ["X03", "共享单车乱停", "停车", "单车", "新的单车管理站", "", 12, ""]]);
    const preview = await call("POST", "/api/admin/list/preview", admin, { ...file("list.xlsx", bytes), mode: "merge", strictUnits: true });
    expect(preview.body.errors).toEqual([
      { row: 3, field: "事项名称", message: "事项名称必填" },
      { row: 4, field: "编码", message: "编码 X01 与第 2 行重复" },
      { row: 5, field: "办结时限", message: "缺少办结时限" },
      { row: 5, field: "主责单位", message: "“新的单车管理站”既不是已有的单位，也不是属地角色" },
    ]);
    const before = await versionCount();
    const applied = await call("POST", "/api/admin/list/apply", admin, { ...file("list.xlsx", bytes), mode: "merge", strictUnits: true, reason: "坏文件" });
    expect(applied.status).toBe(422);
    expect(await versionCount()).toBe(before);
  });

  it("refuses what is not a spreadsheet, and an apply without a reason", async () => {
    const notXlsx = await call("POST", "/api/admin/list/preview", admin, file("list.xlsx", "not a zip"));
    expect(notXlsx.status).toBe(200);
    expect(notXlsx.body.errors[0].message).toMatch(/^无法读取 Excel 文件/);
    expect((await call("POST", "/api/admin/list/preview", admin, file("list.pdf", "x"))).body.error.field).toBe("fileName");
    const noReason = await call("POST", "/api/admin/list/apply", admin, file("a.csv", "编码,事项名称\nA,甲"));
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe("reason");
  });

  it("exports the list to XLSX in the import's columns, and the export imports back with no change", async () => {
    const rows = await exported();
    expect(rows[0]).toEqual(["编码", "事项名称", "类别", "说明", "关键词", "主责单位", "配合单位", "响应时限", "办结时限", "示例诉求", "需定位", "志愿者可认领"]);
    const total = (await call("GET", "/api/admin/matters", admin)).body.counts.active;
    expect(rows).toHaveLength(total + 1);
    const back = await call("POST", "/api/admin/list/preview", admin, file("职责清单.xlsx", (await call("GET", "/api/admin/list/export.xlsx", admin)).body as Buffer));
    expect(back.body).toMatchObject({ added: [], changed: [], removed: [], errors: [], newUnits: [], unchanged: total });
  });

  it("replaces the list from an XLSX file: preview of added, changed and removed, then one version; the next case uses it", async () => {
    const db = svc.services.db;
    const { rows, dt01, bytes } = await replacement();
    expect(await db.matter.findUnique({ where: { code: "ZA02" } })).toMatchObject({ active: true });

    const preview = await call("POST", "/api/admin/list/preview", admin, { ...file("新清单.xlsx", bytes), mode: "replace" });
    expect(preview.status).toBe(200);
    expect(preview.body.errors).toEqual([]);
    expect(preview.body.added).toEqual([{ code: "GX01", name: "共享单车乱停放", leadUnit: "阳光街道城市管理办公室" }]);
    expect(preview.body.changed).toEqual([
      {
        code: "DT01",
        name: "电梯故障",
        fields: [
          { field: "leadUnit", label: "主责单位", before: "小区物业", after: "电梯应急维修中心" },
          { field: "responseHours", label: "响应时限", before: "4 小时", after: "2 小时" },
        ],
      },
    ]);
    expect(preview.body.removed.map((m: any) => m.code)).toEqual(["ZA02"]);
    expect(preview.body.newUnits).toEqual(["电梯应急维修中心"]);
    // Strict mode refuses the new unit.
    const strict = await call("POST", "/api/admin/list/preview", admin, { ...file("新清单.xlsx", bytes), mode: "replace", strictUnits: true });
    expect(strict.body.errors).toEqual([{ row: rows.indexOf(dt01) + 1, field: "主责单位", message: "“电梯应急维修中心”既不是已有的单位，也不是属地角色" }]);
    // The preview wrote nothing.
    expect(await db.unit.findUnique({ where: { name: "电梯应急维修中心" } })).toBeNull();

    // The apply names the version it previewed; when the list has moved on since, it is refused.
    const stale = await call("POST", "/api/admin/list/apply", admin, { ...file("新清单.xlsx", bytes), mode: "replace", reason: "过期的预览", baseVersionId: preview.body.baseVersionId + 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toBe("清单在预览之后已被修改，请重新预览后再导入");

    const applied = await call("POST", "/api/admin/list/apply", admin, { ...file("新清单.xlsx", bytes), mode: "replace", reason: "电梯改由应急维修中心主责", baseVersionId: preview.body.baseVersionId });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ added: 1, changed: 1, removed: 1, newUnits: ["电梯应急维修中心"] });
    const version = await db.listVersion.findUniqueOrThrow({ where: { id: applied.body.versionId } });
    expect(version).toMatchObject({
      authorName: "清单管理员",
      reason: "电梯改由应急维修中心主责",
      source: "import",
      changes: { added: ["GX01"], changed: [{ code: "DT01", fields: ["leadUnit", "responseHours"] }], removed: ["ZA02"] },
    });
    expect((version.snapshot as any[]).find((m) => m.code === "DT01")).toMatchObject({ leadUnit: "电梯应急维修中心", responseHours: 2 });
    expect((version.snapshot as any[]).some((m) => m.code === "ZA02")).toBe(false);
    // Removed is deactivated, never deleted: cases point at matters.
    expect(await db.matter.findUnique({ where: { code: "ZA02" } })).toMatchObject({ active: false });
    expect(svc.services.reference.listVersionId).toBe(version.id);
    expect(svc.services.reference.catalogue.byCode.has("ZA02")).toBe(false);

    const opened = await svc.post("/api/channels/http/messages", groupMessage("@小民 3号楼电梯坏了两天了，老人上下楼很困难"));
    const kase = await db.case.findUniqueOrThrow({ where: { number: opened.body.case.number }, include: { matter: true, leadUnit: true } });
    expect(kase).toMatchObject({ listVersionId: version.id, matter: { code: "DT01" }, leadUnit: { name: "电梯应急维修中心" } });
    const detail = await call("GET", `/api/admin/list/versions/${version.id}`, admin);
    expect(detail.body).toMatchObject({ id: version.id, counts: { added: 1, changed: 1, removed: 1 }, cases: 1 });

    // The same file again changes nothing and writes no version.
    const again = await call("POST", "/api/admin/list/apply", admin, { ...file("新清单.xlsx", bytes), mode: "replace", reason: "再导一次" });
    expect(again.body).toMatchObject({ versionId: null, added: 0, changed: 0, removed: 0 });
    // Bringing a removed matter back in merge mode reactivates it.
    const back = await call("POST", "/api/admin/list/preview", admin, { ...file("a.csv", [HEADER.join(","), rows.find((r) => r[0] === "ZA02")!.filter((_, i) => [0, 1, 2, 4, 5, 6, 7, 8].includes(i)).join(",")].join("\n")), mode: "merge" });
    expect(back.body.changed).toEqual([{ code: "ZA02", name: expect.any(String), fields: [{ field: "active", label: "启用", before: "否", after: "是" }] }]);
  });

  it("takes a CSV with the English headers, and merge mode removes nothing", async () => {
    const csv = "code,name,category,keywords,lead_unit,cooperating_units,response_hours,resolve_days\nWY01,物业服务质量,物业管理,物业、保洁,小区物业,属地社区居委会,12,5\nCW09,宠物粪便,宠物,狗屎,阳光花园物业服务中心,,24,3\n";
    const preview = await call("POST", "/api/admin/list/preview", admin, { ...file("list.csv", csv), mode: "merge" });
    expect(preview.body.errors).toEqual([]);
    expect(preview.body.removed).toEqual([]);
    expect(preview.body.added.map((m: any) => m.code)).toEqual(["CW09"]);
    expect(preview.body.changed.map((m: any) => [m.code, m.fields.map((f: any) => f.field)])).toEqual([["WY01", ["keywords", "responseHours"]]]);
    const applied = await call("POST", "/api/admin/list/apply", admin, { ...file("list.csv", csv), mode: "merge", reason: "物业响应提速" });
    expect(applied.body).toMatchObject({ added: 1, changed: 1, removed: 0 });
    // Columns the file lacks (说明, 示例诉求) keep what the list had.
    const wy01 = await svc.services.db.matter.findUniqueOrThrow({ where: { code: "WY01" } });
    expect(wy01.description).toContain("物业服务不到位");
    expect((wy01.examples as string[]).length).toBeGreaterThan(0);
  });
});

describe("editing one matter", () => {
  it("needs a reason, writes a version with the fields that changed, and the intake uses it at once", async () => {
    const db = svc.services.db;
    const unit = await db.unit.findUniqueOrThrow({ where: { name: "阳光街道城市管理办公室" } });
    const coop = await db.unit.findUniqueOrThrow({ where: { name: "幸福社区居委会" } });
    expect((await call("PUT", "/api/admin/matters/HW01", admin, { resolveDays: 2 })).body.error.field).toBe("reason");
    expect((await call("PUT", "/api/admin/matters/HW01", admin, { resolveDays: 0, reason: "加快" })).status).toBe(400);
    expect((await call("PUT", "/api/admin/matters/NOPE", admin, { resolveDays: 2, reason: "加快" })).status).toBe(404);
    expect((await call("PUT", "/api/admin/matters/HW01", admin, { leadUnitId: 99999, reason: "加快" })).status).toBe(400);

    const before = await versionCount();
    const res = await call("PUT", "/api/admin/matters/HW01", admin, { resolveDays: 1, leadUnitId: unit.id, cooperatingUnitIds: [coop.id], keywords: ["垃圾", "清运"], reason: "街道要求一天办结" });
    expect(res.status).toBe(200);
    expect(res.body.matter).toMatchObject({ code: "HW01", resolveDays: 1, leadUnit: { name: unit.name }, cooperatingUnits: [{ name: coop.name }], keywords: ["垃圾", "清运"] });
    expect(await versionCount()).toBe(before + 1);
    const version = await db.listVersion.findUniqueOrThrow({ where: { id: res.body.versionId } });
    expect(version).toMatchObject({ source: "edit", reason: "街道要求一天办结", authorName: "清单管理员", changes: { added: [], removed: [], changed: [{ code: "HW01" }] } });
    expect((version.changes as any).changed[0].fields).toContain("resolveDays");
    expect(svc.services.reference.catalogue.byCode.get("HW01")).toMatchObject({ resolveDays: 1, leadUnit: { name: unit.name } });

    // Saving the same again is no change and no version.
    const same = await call("PUT", "/api/admin/matters/HW01", admin, { resolveDays: 1, reason: "再次保存" });
    expect(same.body).toMatchObject({ versionId: null, fields: [] });
    expect(await versionCount()).toBe(before + 1);

    // Deactivating is an edit too; the matter leaves the classifier's list.
    const off = await call("PUT", "/api/admin/matters/HW01", admin, { active: false, reason: "并入其他事项" });
    expect(off.body.fields).toEqual(["active"]);
    expect(svc.services.reference.catalogue.byCode.has("HW01")).toBe(false);
    const inactive = await call("GET", "/api/admin/matters?status=inactive", admin);
    expect(inactive.body.matters.map((m: any) => m.code)).toContain("HW01");
  });

  it("adds a matter, refusing a code that is taken", async () => {
    const body = await newMatter();
    const created = await call("POST", "/api/admin/matters", admin, body);
    expect(created.status).toBe(201);
    expect(created.body.matter).toMatchObject({ code: "ZA99", active: true, leadUnit: { name: "阳光派出所" } });
    expect(await svc.services.db.listVersion.findUniqueOrThrow({ where: { id: created.body.versionId } })).toMatchObject({ source: "edit", changes: { added: ["ZA99"] } });
    expect((await call("POST", "/api/admin/matters", admin, body)).status).toBe(409);
    expect((await call("POST", "/api/admin/matters", admin, { ...body, code: "ZA98", responseHours: undefined })).body.error.field).toBe("responseHours");
  });

  it("restores the list as it was after an earlier version, as a new version, and the intake follows", async () => {
    const db = svc.services.db;
    // The history to restore from: the seeded list, then the replacement from the XLSX file, then a new matter.
    const applied = await call("POST", "/api/admin/list/apply", admin, { ...file("新清单.xlsx", (await replacement()).bytes), mode: "replace", reason: "电梯改由应急维修中心主责" });
    expect(applied.body).toMatchObject({ added: 1, changed: 1, removed: 1 });
    expect((await call("POST", "/api/admin/matters", admin, await newMatter())).status).toBe(201);
    const replaced = await db.listVersion.findFirstOrThrow({ where: { reason: "电梯改由应急维修中心主责" } });
    const before = await db.listVersion.findFirstOrThrow({ where: { id: { lt: replaced.id } }, orderBy: { id: "desc" } });
    expect((await call("POST", `/api/admin/list/versions/${before.id}/restore`, admin, {})).status).toBe(400); // a reason is needed
    expect((await call("POST", `/api/admin/list/versions/${before.id}/restore`, worker, { reason: "恢复" })).status).toBe(403);
    const restored = await call("POST", `/api/admin/list/versions/${before.id}/restore`, admin, { reason: "应急维修中心尚未签约，退回原清单" });
    expect(restored.status).toBe(200);
    const version = await db.listVersion.findUniqueOrThrow({ where: { id: restored.body.versionId } });
    expect(version).toMatchObject({ source: "restore", reason: "应急维修中心尚未签约，退回原清单" });
    // Matters added since are stopped, removed ones come back, changed ones are as they were.
    expect(await db.matter.findUnique({ where: { code: "ZA02" } })).toMatchObject({ active: true });
    expect(await db.matter.findUnique({ where: { code: "GX01" } })).toMatchObject({ active: false });
    expect(await db.matter.findUnique({ where: { code: "ZA99" } })).toMatchObject({ active: false });
    expect(version.snapshot).toEqual(before.snapshot);
    const opened = await svc.post("/api/channels/http/messages", groupMessage("@小民 5号楼电梯坏了，困人了"));
    const kase = await db.case.findUniqueOrThrow({ where: { number: opened.body.case.number }, include: { leadUnit: true } });
    expect(kase).toMatchObject({ listVersionId: version.id, leadUnit: { name: "阳光花园物业服务中心" } });
    // Restoring the same again changes nothing.
    expect((await call("POST", `/api/admin/list/versions/${before.id}/restore`, admin, { reason: "再恢复一次" })).body).toMatchObject({ versionId: null, added: 0, changed: 0, removed: 0 });
  });
});

describe("志愿者可认领 as a column of the list", () => {
  const claimable = async (code: string) => (await svc.services.db.matter.findUniqueOrThrow({ where: { code } })).volunteerClaimable;

  it("is exported, imported (previewed as a changed field), kept when a file has no such column, and restored with a version", async () => {
    const rows = await exported();
    const col = rows[0].indexOf("志愿者可认领");
    expect(rows.find((r) => r[0] === "YL02")![col]).toBe("是");
    expect(rows.find((r) => r[0] === "YL01")![col]).toBe("否");
    const seeded = await svc.services.db.listVersion.findFirstOrThrow({ orderBy: { id: "desc" } });

    // YL02 no longer, YL01 from now on: the preview names the field, the apply writes it and a version.
    rows.find((r) => r[0] === "YL02")![col] = "否";
    rows.find((r) => r[0] === "YL01")![col] = "是";
    const bytes = await xlsx(rows);
    const preview = await call("POST", "/api/admin/list/preview", admin, file("清单.xlsx", bytes));
    expect(preview.body.changed).toEqual([
      { code: "YL01", name: "养老服务与补贴", fields: [{ field: "volunteerClaimable", label: "志愿者可认领", before: "否", after: "是" }] },
      { code: "YL02", name: "独居老人关爱", fields: [{ field: "volunteerClaimable", label: "志愿者可认领", before: "是", after: "否" }] },
    ]);
    const applied = await call("POST", "/api/admin/list/apply", admin, { ...file("清单.xlsx", bytes), reason: "养老补贴改由志愿者协助" });
    expect(applied.body).toMatchObject({ added: 0, changed: 2, removed: 0 });
    expect([await claimable("YL01"), await claimable("YL02")]).toEqual([true, false]);
    const version = await svc.services.db.listVersion.findUniqueOrThrow({ where: { id: applied.body.versionId } });
    expect((version.snapshot as any[]).find((m) => m.code === "YL01")).toMatchObject({ volunteerClaimable: true });

    // An older file without the column (or a blank cell) leaves the marks as they are.
    const old = rows.map((r) => r.slice(0, col));
    old.find((r) => r[0] === "YL01")![rows[0].indexOf("办结时限")] = "3";
    const kept = await call("POST", "/api/admin/list/apply", admin, { ...file("旧清单.xlsx", await xlsx(old)), reason: "旧格式文件" });
    expect(kept.body).toMatchObject({ changed: 1 });
    expect([await claimable("YL01"), await claimable("YL02")]).toEqual([true, false]);

    // Back to the seeded version: the marks as they were then.
    const restored = await call("POST", `/api/admin/list/versions/${seeded.id}/restore`, admin, { reason: "恢复原清单" });
    expect(restored.status).toBe(200);
    expect([await claimable("YL01"), await claimable("YL02")]).toEqual([false, true]);
  });

  it("refuses a value that is neither 是 nor 否, naming the row", async () => {
    const rows = await exported();
    const yl02 = rows.findIndex((r) => r[0] === "YL02");
    rows[yl02][rows[0].indexOf("志愿者可认领")] = "也许";
    const res = await call("POST", "/api/admin/list/apply", admin, { ...file("清单.xlsx", await xlsx(rows)), reason: "试试" });
    expect(res.status).toBe(422);
    expect(res.body.error.errors).toEqual([{ row: yl02 + 1, field: "志愿者可认领", message: "志愿者可认领“也许”应为“是”或“否”" }]);
    expect(await claimable("YL02")).toBe(true);
  });

  it("is edited on one matter with a reason, and the volunteers page's switch writes a version too", async () => {
    const res = await call("PUT", "/api/admin/matters/YL01", admin, { volunteerClaimable: true, reason: "志愿者可协助" });
    expect(res.body).toMatchObject({ matter: { code: "YL01", volunteerClaimable: true }, fields: ["volunteerClaimable"] });
    const listed = await call("GET", "/api/admin/matters?q=YL0", admin);
    expect(listed.body.matters.map((m: any) => [m.code, m.volunteerClaimable])).toEqual([["YL01", true], ["YL02", true]]);
    const before = await versionCount();
    const off = await call("PATCH", "/api/admin/volunteers/matters/YL02", admin, { volunteerClaimable: false });
    expect(off.body).toEqual({ code: "YL02", volunteerClaimable: false });
    expect(await versionCount()).toBe(before + 1);
    const version = await svc.services.db.listVersion.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(version).toMatchObject({ source: "edit", authorName: "清单管理员", changes: { changed: [{ code: "YL02", fields: ["volunteerClaimable"] }] } });
  });
});
