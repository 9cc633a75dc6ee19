// One way to hand a table to a spreadsheet: CSV (UTF-8 with a BOM, so Excel reads Chinese) or XLSX, with the
// definitions of its figures on a second sheet when there are any.
import { once } from "node:events";
import { PassThrough } from "node:stream";
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

/**
 * Sends a table as a download, written as its rows come (an async iterable reads them from the database page by
 * page): a year of a city's cases is never held in memory at once, neither as rows nor as the file.
 */
export async function sendTable<T>(ctx: Context, t: { name: string; sheet?: string; format: TableFormat; columns: Column<T>[]; rows: Iterable<T> | AsyncIterable<T>; notes?: string[] }) {
  ctx.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(`${t.name}.${t.format}`)}`);
  const body = new PassThrough();
  // A read that fails half-way breaks the download off (its status is sent already) rather than ending it as if
  // whole; Koa logs the error of a body stream.
  const failed = (err: unknown) => body.destroy(err as Error);
  if (t.format === "csv") {
    ctx.type = "text/csv; charset=utf-8";
    ctx.body = body;
    void writeCsv(body, t.columns, t.rows).catch(failed);
    return;
  }
  // ExcelJS is loaded at the first spreadsheet (nearly 30 MB that most processes never need).
  const { default: ExcelJS } = await import("exceljs");
  ctx.type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  ctx.body = body;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: body, useStyles: true, useSharedStrings: false });
  void (async () => {
    const sheet = workbook.addWorksheet((t.sheet ?? t.name).slice(0, 31), { views: [{ state: "frozen", ySplit: 1 }] });
    sheet.columns = t.columns.map((c, i) => ({ header: c.header, key: String(i), width: c.width ?? 12, style: c.numFmt ? { numFmt: c.numFmt } : {} }));
    sheet.getRow(1).font = { bold: true };
    for await (const r of t.rows) {
      sheet.addRow(Object.fromEntries(t.columns.map((c, i) => {
        const v = c.value(r);
        return [String(i), v instanceof Date ? formatChinaTimestamp(v) : (v ?? null)];
      }))).commit();
    }
    sheet.commit();
    if (t.notes?.length) {
      const notes = workbook.addWorksheet("指标说明");
      notes.columns = [{ header: "说明", key: "v", width: 90 }];
      for (const v of t.notes) notes.addRow({ v }).commit();
      notes.commit();
    }
    await workbook.commit();
  })().catch(failed);
}

/** CSV (UTF-8 with a BOM), a line at a time, waiting for the reader when it falls behind. */
async function writeCsv<T>(out: PassThrough, columns: Column<T>[], rows: Iterable<T> | AsyncIterable<T>) {
  const cell = (v: ReturnType<Column<T>["value"]>) => {
    let s = v instanceof Date ? formatChinaTimestamp(v) : v === null || v === undefined ? "" : String(v);
    // Residents write the texts: one starting like a formula must not run as one when Excel opens the file.
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, "drain");
  };
  await write("\uFEFF" + columns.map((c) => cell(c.header)).join(",") + "\r\n");
  for await (const r of rows) await write(columns.map((c) => cell(c.value(r))).join(",") + "\r\n");
  out.end();
}
