// Large responsibility lists for the import benchmark and the upload tests: rows shaped like the shipped list
// (prisma/seed/matters.csv), as many as asked, written as CSV or XLSX.
import ExcelJS from "exceljs";

export const LIST_HEADER = ["编码", "事项名称", "类别", "说明", "关键词", "主责单位", "配合单位", "响应时限", "办结时限", "示例诉求", "需定位"];
const UNITS = ["阳光花园物业服务中心", "幸福社区居委会", "阳光街道城市管理办公室", "阳光派出所", "区市场监督管理局"];

/** Row i of a large list: its own code and name, one of the seeded units, valid limits. */
export function sampleMatter(i: number): string[] {
  return [
    `BL${String(i).padStart(5, "0")}`, `第${i}号事项：楼道堆物与公共部位占用`, "物业管理",
    "楼道、天台、地下室等公共部位堆放杂物或被个人占用，物业服务不到位", "楼道堆物、堆放杂物、占用楼道、天台、地下室、公共部位",
    UNITS[i % UNITS.length], UNITS[(i + 1) % UNITS.length], String(12 + (i % 3) * 12), String(3 + (i % 3)),
    "5号楼楼道里堆满了纸箱和旧家具，走路都困难|有人把天台锁起来自己用，别人上不去", "是",
  ];
}

export const sampleRows = (n: number, row: (i: number) => string[] = sampleMatter) => [LIST_HEADER, ...Array.from({ length: n }, (_, i) => row(i + 1))];

const csvCell = (c: string) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
export const csvOf = (rows: string[][]) => Buffer.from(rows.map((r) => r.map(csvCell).join(",")).join("\n"), "utf8");

export async function xlsxOf(rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet("职责清单");
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
