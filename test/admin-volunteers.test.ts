// The administrators' API for volunteers and 党员中心户, on a fake clock over a real SQLite file: what each route
// answers (status, Chinese errors) and stores — add, change, stop, import (both registers, refused whole with every
// row's problem), the ranking, the 志愿者可认领 matters, a claim for a volunteer, a household's note and visit — and
// the refusals as attacks: a worker's session or token, a claim for another grid's volunteer, bad ids.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock } from "./helpers/clock.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";

let clock: FakeClock;
let svc: TestService;
let admin: Session;
let worker: Session;

beforeEach(async () => {
  clock = new FakeClock(cst("2026-10-12T10:00"));
  svc = await startService({}, { clock: clock.now });
  ({ admin, worker } = await adminAndWorker(svc, "voladm"));
});
afterEach(async () => {
  await svc.close();
});

const call = (method: string, path: string, body?: unknown, as: Session | null = admin) => callAs(svc, as, method, path, body);
const csv = (fileName: string, lines: string[]) => ({ fileName, content: Buffer.from(lines.join("\n")).toString("base64") });
const buildingsOf = async (name: string) =>
  (await svc.services.db.partyHousehold.findFirstOrThrow({ where: { name }, include: { buildings: { include: { building: { include: { parent: true } } } } } })).buildings
    .map((b) => `${b.building.parent?.name}/${b.building.name}`)
    .sort();

describe("importing 党员中心户", () => {
  const HEADER = "户名,电话,联系户数,网格,楼栋,渠道,聊天账号,备注";

  it("adds and updates households with their buildings found by name in a grid or a community", async () => {
    const res = await call("POST", "/api/admin/households/import", csv("党员中心户.csv", [
      HEADER,
      "李卫东家,13900000009,24户,幸福社区第一网格,1号楼、2号楼,simulator,sim-household-li,联系1、2号楼",
      "王秀兰家,,12,幸福社区,7号楼|幸福社区第一网格/3号楼,,,",
      "孙建家,,8,,和平社区第一网格/1栋,,,",
      "张建国家（党员中心户）,13800004444,40,幸福社区第二网格,9号楼,simulator,sim-household-zhang,只联系9号楼",
    ]));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ added: 3, changed: 1 });
    expect(await buildingsOf("李卫东家")).toEqual(["幸福社区第一网格/1号楼", "幸福社区第一网格/2号楼"]);
    expect(await buildingsOf("王秀兰家")).toEqual(["幸福社区第一网格/3号楼", "幸福社区第二网格/7号楼"]);
    expect(await buildingsOf("孙建家")).toEqual(["和平社区第一网格/1栋"]);
    // The seeded household is the same name: updated, its buildings the file's.
    expect(await buildingsOf("张建国家（党员中心户）")).toEqual(["幸福社区第二网格/9号楼"]);
    const li = await svc.services.db.partyHousehold.findFirstOrThrow({ where: { name: "李卫东家" } });
    expect(li).toMatchObject({ phone: "13900000009", families: 24, channel: "simulator", address: "sim-household-li", note: "联系1、2号楼", active: true });
    expect(await svc.services.db.partyHousehold.count()).toBe(4);
  });

  it("refuses a file with bad rows whole, naming every row's problem", async () => {
    // A second 1号楼 in the street: named alone it is ambiguous.
    const heping = await svc.services.db.area.findFirstOrThrow({ where: { level: "grid", name: "和平社区第一网格" } });
    await svc.services.db.area.create({ data: { level: "building", name: "1号楼", parentId: heping.id } });
    const before = await svc.services.db.partyHousehold.findMany({ orderBy: { id: "asc" } });
    const res = await call("POST", "/api/admin/households/import", csv("bad.csv", [
      HEADER,
      "好的一户,,3,幸福社区第一网格,1号楼,,,",
      ",13900000001,3,幸福社区第一网格,1号楼,,,",
      "错号码,abc,很多,幸福社区第一网格,2号楼,,,",
      "错区域,,1,火星社区,1号楼,,,",
      "重名楼,,1,,1号楼,,,",
      "没这栋,,1,幸福社区第一网格,2号楼、99号楼,,,",
      "缺账号,,1,幸福社区第一网格,1号楼,wechaty,,",
      "错渠道,,1,幸福社区第一网格,1号楼,qq,qq-1,",
    ]));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("文件有 8 处问题，未写入任何数据");
    expect(res.body.error.errors).toEqual([
      { row: 3, field: "户名", message: "户名不能为空" },
      { row: 4, field: "电话", message: "电话号码格式不对" },
      { row: 4, field: "联系户数", message: "联系户数“很多”应为 0 到 10000 的整数" },
      { row: 5, field: "楼栋", message: "没有网格或社区“火星社区”" },
      { row: 6, field: "楼栋", message: "楼栋“1号楼”有重名，请写明网格，如“幸福社区第一网格/1号楼”" },
      { row: 7, field: "楼栋", message: "幸福社区第一网格没有楼栋“99号楼”" },
      { row: 8, field: "聊天账号", message: "渠道和聊天账号需同时填写或同时留空" },
      { row: 9, field: "渠道", message: expect.stringMatching(/^渠道应为 .*simulator.* 之一$/) },
    ]);
    expect(await svc.services.db.partyHousehold.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  });

  it("refuses a file without a 户名 column, and what is not a spreadsheet", async () => {
    const noName = await call("POST", "/api/admin/households/import", csv("x.csv", ["电话,楼栋", "139,1号楼"]));
    expect(noName.status).toBe(422);
    expect(noName.body.error.errors).toEqual([{ row: 1, field: "表头", message: "缺少“户名”（name）列" }]);
    const exe = await call("POST", "/api/admin/households/import", csv("x.exe", [HEADER]));
    expect(exe.status).toBe(400);
    expect(exe.body.error.message).toContain("请选择 .csv 或 .xlsx 文件");
    const empty = await call("POST", "/api/admin/households/import", { fileName: "x.csv", content: "" });
    expect(empty.body.error.message).toBe("文件是空的");
    // A worker may not import: refused before the file is read.
    const byWorker = await call("POST", "/api/admin/households/import", csv("党员中心户.csv", [HEADER, "周明家,,1,,8号楼,,,"]), worker);
    expect(byWorker.status).toBe(403);
    expect(await svc.services.db.partyHousehold.count({ where: { name: "周明家" } })).toBe(0);
  });

  it("reads an XLSX file as the CSV", async () => {
    const { default: ExcelJS } = await import("exceljs");
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("党员中心户");
    sheet.addRow(HEADER.split(","));
    sheet.addRow(["周明家", "", 15, "幸福社区第二网格", "8号楼", "", "", ""]);
    const res = await call("POST", "/api/admin/households/import", { fileName: "户.xlsx", content: Buffer.from(await wb.xlsx.writeBuffer()).toString("base64") });
    expect(res.body).toEqual({ added: 1, changed: 0 });
    expect(await buildingsOf("周明家")).toEqual(["幸福社区第二网格/8号楼"]);
  });
});
