// One way to hand a table to a spreadsheet: CSV (UTF-8 with a BOM, so Excel reads Chinese) or XLSX, with the
// definitions of its figures on a second sheet when there are any.
import type { Context } from "koa";
import { formatChinaTimestamp } from "../domain/time.ts";

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | Date | null | undefined;
  width?: number;
  /** An Excel number format, e.g. "0.0%". */
  numFmt?: string;
}

export type TableFormat = "csv" | "xlsx";

export async function sendTable<T>(ctx: Context, t: { name: string; sheet?: string; format: TableFormat; columns: Column<T>[]; rows: T[]; notes?: string[] }) {
  ctx.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(`${t.name}.${t.format}`)}`);
  if (t.format === "csv") {
    const cell = (v: ReturnType<Column<T>["value"]>) => {
      let s = v instanceof Date ? formatChinaTimestamp(v) : v === null || v === undefined ? "" : String(v);
      // Residents write the texts: one starting like a formula must not run as one when Excel opens the file.
      if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = [t.columns.map((c) => cell(c.header)).join(","), ...t.rows.map((r) => t.columns.map((c) => cell(c.value(r))).join(","))];
    ctx.type = "text/csv; charset=utf-8";
    ctx.body = "\uFEFF" + lines.join("\r\n") + "\r\n";
    return;
  }
  // ExcelJS is loaded at the first spreadsheet (nearly 30 MB that most processes never need).
  const { default: ExcelJS } = await import("exceljs");
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet((t.sheet ?? t.name).slice(0, 31));
  sheet.columns = t.columns.map((c, i) => ({ header: c.header, key: String(i), width: c.width ?? 12, style: c.numFmt ? { numFmt: c.numFmt } : {} }));
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: "frozen", ySplit: 1 }];
  for (const r of t.rows) {
    sheet.addRow(Object.fromEntries(t.columns.map((c, i) => {
      const v = c.value(r);
      return [String(i), v instanceof Date ? formatChinaTimestamp(v) : (v ?? null)];
    })));
  }
  if (t.notes?.length) {
    const notes = workbook.addWorksheet("指标说明");
    notes.columns = [{ header: "说明", key: "v", width: 90 }];
    for (const v of t.notes) notes.addRow({ v });
  }
  ctx.type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  ctx.body = Buffer.from(await workbook.xlsx.writeBuffer());
}
