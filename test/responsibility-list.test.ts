// The responsibility list: the shipped default, and imports from spreadsheets with English or Chinese headers.
import { readFileSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { ListImportError, parseMatterCsv } from "../src/responsibility/parse.ts";
import { codeForName } from "../src/responsibility/apply.ts";
import { applyMatterRows } from "../src/responsibility/versions.ts";
import { startService, type TestService } from "./helpers/service.ts";

/** A service on a fresh database for this test alone: one test's import never meets another test's list. */
async function freshService(): Promise<TestService> {
  const svc = await startService();
  onTestFinished(() => svc.close());
  return svc;
}

describe("the default list shipped in prisma/seed/matters.csv", () => {
  const rows = parseMatterCsv(readFileSync(new URL("../prisma/seed/matters.csv", import.meta.url)));

  it("has at least 30 complete matters covering the community's main areas", () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
    for (const r of rows) {
      expect(r.code, `line ${r.line}`).toBeTruthy();
      expect(r.leadUnit, `line ${r.line}`).toBeTruthy();
      expect(r.keywords.length, `line ${r.line}`).toBeGreaterThanOrEqual(3);
      expect(r.examples.length, `line ${r.line}`).toBeGreaterThanOrEqual(2);
      expect(r.responseHours, `line ${r.line}`).toBeGreaterThan(0);
      expect(r.resolveDays, `line ${r.line}`).toBeGreaterThan(0);
    }
    const categories = new Set(rows.map((r) => r.category));
    for (const c of ["物业管理", "市容环卫", "市政设施", "供水供电供气", "电梯安全", "噪音扰民", "违章搭建", "占道经营", "停车", "治安", "消防安全", "矛盾纠纷", "养老服务", "社会保障", "教育", "医疗卫生", "宠物", "绿化", "房屋安全"]) {
      expect(categories, c).toContain(c);
    }
  });

  it("is what a fresh database starts with", async () => {
    const svc = await freshService();
    expect(await svc.services.db.matter.count()).toBe(rows.length);
    const elevator = await svc.services.db.matter.findUniqueOrThrow({ where: { code: "DT01" }, include: { leadUnit: true, leadRole: true, cooperatingUnits: { include: { unit: true } } } });
    // Led by the role 小区物业 (filled per area: roles.json), cooperated on by a fixed unit of the district.
    expect(elevator.leadUnit).toBeNull();
    expect(elevator.leadRole?.name).toBe("小区物业");
    expect(elevator.cooperatingUnits.map((c) => c.unit.name)).toEqual(["区市场监督管理局"]);
    // Every role the list names is a seeded role, and every street- or community-level unit name became a role.
    const roles = new Set((await svc.services.db.role.findMany()).map((r) => r.name));
    const named = rows.flatMap((r) => [r.leadUnit, ...r.cooperatingUnits]).filter((n): n is string => Boolean(n));
    expect(named.filter((n) => n.startsWith("属地") && !roles.has(n))).toEqual([]);
    expect(named.filter((n) => /街道|社区|派出所|物业服务中心/.test(n) && !roles.has(n))).toEqual([]);
  });

  it("marks 志愿者可认领 in its own column: YL02 (独居老人关爱) only, in the file and in a fresh database", async () => {
    expect(rows.filter((r) => r.volunteerClaimable).map((r) => r.code)).toEqual(["YL02"]);
    expect(rows.every((r) => r.volunteerClaimable !== undefined)).toBe(true);
    const db = (await freshService()).services.db;
    expect((await db.matter.findMany({ where: { volunteerClaimable: true } })).map((m) => m.code)).toEqual(["YL02"]);
  });

  it("classifies each of its own examples to its own matter", async () => {
    const { LocalClassifier } = await import("../src/classify/local.ts");
    const local = new LocalClassifier();
    const catalogue = (await freshService()).services.reference.catalogue;
    let right = 0;
    let total = 0;
    for (const r of rows) {
      for (const e of r.examples) {
        total++;
        if ((await local.classify({ text: e }, catalogue)).matterCode === r.code) right++;
      }
    }
    expect(right / total).toBeGreaterThan(0.95);
  });
});

describe("importing a list from CSV", () => {
  it("reads English headers, ignores unknown columns and needs only the name", () => {
    const csv = [
      "code,name,category,description,keywords,lead_unit,cooperating_units,response_hours,resolve_days,owner_note",
      "T01,共享单车乱停,停车,共享单车堆放,单车;共享单车,区城市管理和综合执法局,阳光花园物业服务中心;幸福社区居委会,12,3,内部备注",
      ",充电桩故障,,,,,,,",
    ].join("\n");
    const rows = parseMatterCsv(csv);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      line: 2, code: "T01", name: "共享单车乱停", keywords: ["单车", "共享单车"], leadUnit: "区城市管理和综合执法局",
      cooperatingUnits: ["阳光花园物业服务中心", "幸福社区居委会"], responseHours: 12, resolveDays: 3,
    });
    expect(rows[0]).not.toHaveProperty("owner_note");
    expect(rows[1]).toMatchObject({ line: 3, name: "充电桩故障", keywords: [] });
    expect(rows[1].code).toBeUndefined();
    expect(rows[1].responseHours).toBeUndefined();
  });

  it("reads Chinese headers with units written in the cells, from a GBK file saved by Excel", () => {
    const csv = "\uFEFF编码,事项名称,类别,说明,关键词,主责单位,配合单位,响应时限,办结时限,备注\nT02,快递柜故障,物业管理,,快递柜、取件,阳光花园物业服务中心,,24小时,5个工作日,无\n";
    const gbk = Buffer.from(new TextEncoder().encode(csv)); // UTF-8 with BOM
    expect(parseMatterCsv(gbk)[0]).toMatchObject({ code: "T02", name: "快递柜故障", keywords: ["快递柜", "取件"], responseHours: 24, resolveDays: 5 });
    // The same sheet in GB18030 (what Excel on Chinese Windows writes): "快递柜故障" encoded by hand.
    const header = Buffer.from("code,name\n", "ascii");
    const gbkName = Buffer.from([0xbf, 0xec, 0xb5, 0xdd, 0xb9, 0xf1, 0xb9, 0xca, 0xd5, 0xcf]);
    expect(parseMatterCsv(Buffer.concat([header, Buffer.from("T03,"), gbkName]))[0].name).toBe("快递柜故障");
  });

  it("rejects a bad file whole, naming each bad row and field", () => {
    const csv = ["编码,事项名称,响应时限,办结时限", "A1,路灯不亮,24,3", "A2,,24,3", "A3,井盖缺失,很快,3", "A1,重复编码,24,2.5"].join("\n");
    let error: ListImportError | undefined;
    try {
      parseMatterCsv(csv);
    } catch (e) {
      error = e as ListImportError;
    }
    expect(error).toBeInstanceOf(ListImportError);
    expect(error!.problems).toEqual([
      { line: 3, field: "事项名称", message: "事项名称必填" },
      { line: 4, field: "响应时限", message: "响应时限“很快”不是正数" },
      { line: 5, field: "办结时限", message: "办结时限“2.5”不是正整数" },
    ]);
    expect(error!.message).toContain("第 3 行（事项名称）：事项名称必填");
  });

  it("reads 志愿者可认领 (volunteer_claimable) as yes, no or not said", () => {
    const rows = parseMatterCsv("code,name,volunteer_claimable\nV1,买菜,是\nV2,修灯,no\nV3,陪诊,");
    expect(rows.map((r) => r.volunteerClaimable)).toEqual([true, false, undefined]);
    expect(() => parseMatterCsv("编码,事项名称,志愿者可认领\nV4,取药,看情况")).toThrow("第 2 行（志愿者可认领）：志愿者可认领“看情况”应为“是”或“否”");
  });

  it("reports a duplicate code with the row it repeats", () => {
    expect(() => parseMatterCsv("code,name\nB1,甲\nB1,乙")).toThrow("编码 B1 与第 2 行重复");
  });

  it("refuses a sheet without a name column", () => {
    expect(() => parseMatterCsv("编码,类别\nC1,物业")).toThrow("缺少“事项名称”");
  });

  it("applies rows: new units by name, matters updated by code, defaults for what is missing", async () => {
    const db = (await freshService()).services.db;
    const rows = parseMatterCsv("code,name,keywords,lead_unit,cooperating_units,response_hours\nDT01,电梯故障（更新）,电梯,阳光花园物业服务中心,区特种设备检验所,8\n,快递柜故障,快递柜,新成立的快递管理站,,");
    const result = await applyMatterRows(db, rows);
    expect(result).toMatchObject({ added: 1, updated: 1 });
    const version = await db.listVersion.findUniqueOrThrow({ where: { id: result.versionId! } });
    expect(version).toMatchObject({ source: "import", authorName: "命令行", changes: { added: [codeForName("快递柜故障")], changed: [{ code: "DT01" }], removed: [] } });
    const dt01 = await db.matter.findUniqueOrThrow({ where: { code: "DT01" }, include: { cooperatingUnits: { include: { unit: true } } } });
    expect(dt01).toMatchObject({ name: "电梯故障（更新）", responseHours: 8, resolveDays: 3 });
    expect(dt01.cooperatingUnits.map((c) => c.unit.name)).toEqual(["区特种设备检验所"]);
    const added = await db.matter.findUniqueOrThrow({ where: { code: codeForName("快递柜故障") }, include: { leadUnit: true } });
    expect(added).toMatchObject({ responseHours: 24, resolveDays: 5 });
    expect(added.leadUnit?.name).toBe("新成立的快递管理站");
  });
});

describe("importing a list from XLSX", () => {
  it("reads the first sheet like the CSV, with the sheet's row numbers in errors", async () => {
    const { default: ExcelJS } = await import("exceljs");
    const { parseMatterFile } = await import("../src/responsibility/parse.ts");
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("清单");
    sheet.addRow(["编码", "事项名称", "关键词", "主责单位", "响应时限", "办结时限", "备注"]);
    sheet.addRow(["X01", "快递柜故障", "快递柜、取件", "阳光花园物业服务中心", 24, 5, "无"]);
    sheet.addRow([]);
    sheet.addRow(["X02", "共享单车乱停", "共享单车", "区城市管理和综合执法局", "12小时", "3个工作日"]);
    const rows = await parseMatterFile("list.xlsx", Buffer.from(await wb.xlsx.writeBuffer()));
    expect(rows.map((r) => [r.line, r.code, r.name, r.responseHours, r.resolveDays])).toEqual([
      [2, "X01", "快递柜故障", 24, 5],
      [4, "X02", "共享单车乱停", 12, 3],
    ]);
    sheet.addRow(["X03", "", "", "", "很快"]);
    await expect(parseMatterFile("list.xlsx", Buffer.from(await wb.xlsx.writeBuffer()))).rejects.toThrow("第 5 行（事项名称）：事项名称必填");
  });
});
