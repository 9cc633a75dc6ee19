// The case export is written as its rows are read, a page at a time: every case the viewer may see, in order,
// across the pages, in CSV and in XLSX; a year of a city's cases never sits in memory at once (measured in the
// README: 50,000 cases under the 256 MB heap ceiling, where reading them whole ran out of memory).
import { afterEach, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { startService, type TestService } from "./helpers/service.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { casesForExport } from "../src/cases/queries.ts";

let svc: TestService | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

const at = new Date("2026-11-02T02:00:00Z");
const kase = (i: number, chatId = "yangguang-owners") => ({
  number: `2026-${String(i).padStart(6, "0")}`,
  text: `第${i}件：3号楼电梯坏了`,
  channel: "http",
  chatId,
  isGroup: true,
  urgency: "normal",
  status: "accepted",
  classSource: "local",
  classConfidence: 0.9,
  classRationale: "关键词：电梯",
  missingInfo: [],
  responseDueAt: at,
  resolveDueAt: at,
  createdAt: at,
});

describe("the case export", () => {
  it("gives every case in order across pages of a thousand, in CSV and in XLSX", async () => {
    svc = await startService();
    const { db } = svc.services;
    await db.case.createMany({ data: Array.from({ length: 2345 }, (_, i) => kase(i + 1)) });
    const { token } = await createApiToken(db, { name: "导出", role: "worker" });
    const get = (path: string) => fetch(`${svc!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    const csv = await get("/api/cases/export.csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM: Excel reads the Chinese as UTF-8
    const lines = bytes.toString("utf8").replace(/^\uFEFF/, "").split("\r\n").filter(Boolean);
    expect(lines[0].startsWith("工单号,状态,")).toBe(true);
    const numbers = lines.slice(1).map((l) => l.split(",")[0]);
    expect(numbers).toHaveLength(2345);
    expect(numbers).toEqual(Array.from({ length: 2345 }, (_, i) => kase(i + 1).number));

    const xlsx = await get("/api/cases/export.xlsx");
    expect(xlsx.headers.get("content-type")).toContain("spreadsheetml");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    const sheet = wb.getWorksheet("工单")!;
    expect(sheet.rowCount).toBe(2346);
    expect(sheet.getRow(1).getCell(1).value).toBe("工单号");
    expect(sheet.getRow(1).font?.bold).toBe(true);
    expect(sheet.getRow(1001).getCell(1).value).toBe("2026-001000");
    expect(sheet.getRow(1002).getCell(6).value).toBe("第1001件：3号楼电梯坏了");
    expect(sheet.getRow(2346).getCell(1).value).toBe("2026-002345");
  });

  it("reads the filtered cases page by page and stops after the last", async () => {
    svc = await startService();
    const { db } = svc.services;
    await db.case.createMany({ data: Array.from({ length: 7 }, (_, i) => kase(i + 1, i % 2 ? "another-group" : "yangguang-owners")) });
    const admin = { role: "admin" as const, unitId: null, scope: null };
    const read = async (q: object, page: number) => {
      const got: string[] = [];
      for await (const k of casesForExport(db, q as never, admin, at, page)) got.push(k.number);
      return got;
    };
    expect(await read({}, 2)).toEqual(["2026-000001", "2026-000002", "2026-000003", "2026-000004", "2026-000005", "2026-000006", "2026-000007"]);
    expect(await read({ q: "第5件" }, 2)).toEqual(["2026-000005"]);
    expect(await read({}, 7)).toHaveLength(7);
  });
});
