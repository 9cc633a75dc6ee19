// Reads a responsibility list (一网统管职责清单) from a spreadsheet's CSV, with English or Chinese headers.
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { z } from "zod";

/** Header → field. Columns not named here are ignored. */
const HEADERS: Record<string, keyof RawRow> = {
  code: "code",
  编码: "code",
  事项编码: "code",
  name: "name",
  事项名称: "name",
  事项: "name",
  category: "category",
  类别: "category",
  description: "description",
  说明: "description",
  keywords: "keywords",
  关键词: "keywords",
  lead_unit: "leadUnit",
  主责单位: "leadUnit",
  cooperating_units: "cooperatingUnits",
  配合单位: "cooperatingUnits",
  response_hours: "responseHours",
  响应时限: "responseHours",
  resolve_days: "resolveDays",
  办结时限: "resolveDays",
  examples: "examples",
  示例诉求: "examples",
  needs_location: "needsLocation",
  需定位: "needsLocation",
  // A three-level classification (一级分类, 二级分类, 三级分类) loads as a list: the third level is the matter.
  三级分类: "name",
  二级分类: "level2",
  一级分类: "level1",
};

type RawRow = Partial<Record<
  "code" | "name" | "category" | "description" | "keywords" | "leadUnit" | "cooperatingUnits" | "responseHours" | "resolveDays" | "examples" | "needsLocation" | "level1" | "level2",
  string
>>;

export interface MatterRow {
  line: number;
  code?: string;
  name: string;
  category: string;
  description: string;
  keywords: string[];
  leadUnit?: string;
  cooperatingUnits: string[];
  responseHours?: number;
  resolveDays?: number;
  examples: string[];
  needsLocation?: boolean;
}

export interface RowProblem {
  line: number;
  field?: string;
  message: string;
}

export class ListImportError extends Error {
  constructor(readonly problems: RowProblem[]) {
    super(problems.map((p) => `第 ${p.line} 行${p.field ? `（${p.field}）` : ""}：${p.message}`).join("\n"));
  }
}

const splitList = (v: string | undefined) =>
  (v ?? "")
    .split(/[、,，;；|/\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
const splitExamples = (v: string | undefined) =>
  (v ?? "")
    .split(/[|\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** "24", "24小时", "5个工作日" → the number; empty → undefined. */
const limit = (label: string, integer: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const t = (v ?? "").trim();
      if (!t) return undefined;
      const m = /^(\d+(?:\.\d+)?)\s*(小时|个?工作日|天|日|h|d)?$/i.exec(t);
      const n = m ? Number(m[1]) : NaN;
      if (!m || !(n > 0) || (integer && !Number.isInteger(n))) {
        ctx.addIssue({ code: "custom", message: `${label}“${t}”不是${integer ? "正整数" : "正数"}` });
        return z.NEVER;
      }
      return n;
    });

const yesNo = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const t = (v ?? "").trim().toLowerCase();
    if (!t) return undefined;
    if (["是", "y", "yes", "true", "1", "需要"].includes(t)) return true;
    if (["否", "n", "no", "false", "0", "不需要"].includes(t)) return false;
    ctx.addIssue({ code: "custom", message: `需定位“${v}”应为“是”或“否”` });
    return z.NEVER;
  });

const rowSchema = z.object({
  code: z.string().optional().transform((v) => v?.trim() || undefined),
  name: z.string({ error: "事项名称必填" }).trim().min(1, "事项名称必填"),
  category: z.string().optional().transform((v) => v?.trim() ?? ""),
  description: z.string().optional().transform((v) => v?.trim() ?? ""),
  keywords: z.string().optional().transform(splitList),
  leadUnit: z.string().optional().transform((v) => v?.trim() || undefined),
  cooperatingUnits: z.string().optional().transform(splitList),
  responseHours: limit("响应时限", false),
  resolveDays: limit("办结时限", true),
  examples: z.string().optional().transform(splitExamples),
  needsLocation: yesNo,
  level1: z.string().optional(),
  level2: z.string().optional(),
});

const FIELD_LABELS: Record<string, string> = {
  code: "编码", name: "事项名称", responseHours: "响应时限", resolveDays: "办结时限", needsLocation: "需定位",
};

/** Spreadsheets saved on Chinese Windows are often GBK; anything that is not valid UTF-8 is read as GB18030. */
export function decodeSpreadsheetText(input: Buffer | string): string {
  if (typeof input === "string") return input;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    return new TextDecoder("gb18030").decode(input);
  }
}

export function parseMatterCsv(input: Buffer | string): MatterRow[] {
  return orThrow(readMatterTable(csvRecords(input)));
}

function csvRecords(input: Buffer | string): string[][] {
  try {
    return parse(decodeSpreadsheetText(input), { bom: true, skip_empty_lines: false, relax_column_count: true, trim: true });
  } catch (err) {
    throw new ListImportError([{ line: (err as { lines?: number }).lines ?? 0, message: `CSV 格式错误：${(err as Error).message}` }]);
  }
}

/** The first worksheet of an .xlsx file, read like the CSV (row numbers are the sheet's). */
export async function parseMatterXlsx(input: Buffer): Promise<MatterRow[]> {
  return orThrow(readMatterTable(await xlsxRecords(input)));
}

async function xlsxRecords(input: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(input as unknown as ArrayBuffer);
  } catch (err) {
    throw new ListImportError([{ line: 0, message: `无法读取 Excel 文件：${(err as Error).message}` }]);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new ListImportError([{ line: 1, message: "Excel 文件中没有工作表" }]);
  const records: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, n) => {
    const cells = Array.from({ length: row.cellCount }, (_, i) => cellText(row.getCell(i + 1).value).trim());
    records[n - 1] = cells;
  });
  return Array.from(records, (r) => r ?? []);
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") {
    if ("richText" in value) return value.richText.map((t) => t.text).join("");
    if ("result" in value) return String(value.result ?? "");
    if ("text" in value) return String(value.text);
    if (value instanceof Date) return value.toISOString().slice(0, 10);
  }
  return String(value);
}

/** Reads a list from a file by its extension: .xlsx, or CSV. */
export async function parseMatterFile(name: string, input: Buffer): Promise<MatterRow[]> {
  return orThrow(await readMatterFile(name, input));
}

/** A file read without giving up at the first bad row: the good rows, every problem, and the fields it has. */
export interface MatterTable {
  rows: MatterRow[];
  problems: RowProblem[];
  /** The fields the file has a column for (a missing column keeps what the list has). */
  columns: Set<keyof MatterRow>;
}

/** Like parseMatterFile, but returns the problems with the rows instead of throwing (the console's preview). */
export async function readMatterFile(name: string, input: Buffer): Promise<MatterTable> {
  try {
    return readMatterTable(/\.xlsx$/i.test(name) ? await xlsxRecords(input) : csvRecords(input));
  } catch (err) {
    if (err instanceof ListImportError) return { rows: [], problems: err.problems, columns: new Set() };
    throw err;
  }
}

function orThrow(table: MatterTable): MatterRow[] {
  if (table.problems.length) throw new ListImportError(table.problems);
  return table.rows;
}

function readMatterTable(all: string[][]): MatterTable {
  // Blank rows are skipped but keep their numbers, so a problem names the row the administrator sees.
  const records = all.map((cells, i) => ({ cells, line: i + 1 })).filter((r) => r.cells.some((c) => c !== ""));
  if (!records.length) throw new ListImportError([{ line: 1, message: "文件为空" }]);
  const [{ cells: header }, ...body] = records;
  if (!header) throw new ListImportError([{ line: 1, message: "文件为空" }]);
  const columns = header.map((h) => HEADERS[h.trim()] ?? HEADERS[h.trim().toLowerCase()]);
  if (!columns.includes("name")) {
    throw new ListImportError([{ line: 1, field: "表头", message: "缺少“事项名称”（name）列" }]);
  }
  const present = new Set(columns.filter((c) => c !== undefined).map((c) => (c === "level1" || c === "level2" ? "category" : c)) as (keyof MatterRow)[]);

  const rows: MatterRow[] = [];
  const problems: RowProblem[] = [];
  const codes = new Map<string, number>();
  body.forEach(({ cells, line }) => {
    const raw: RawRow = {};
    columns.forEach((field, c) => {
      if (field && cells[c] !== undefined && cells[c] !== "") raw[field] = cells[c];
    });
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? "");
        problems.push({ line, field: FIELD_LABELS[key] ?? key, message: issue.message });
      }
      return;
    }
    const { level1, level2, ...fields } = parsed.data;
    const row = { line, ...fields };
    // In a classification tree the upper levels are the matter's category ("城乡建设/安全生产").
    if (!row.category && (level1 || level2)) row.category = [level1, level2].filter(Boolean).join("/");
    if (row.code) {
      const first = codes.get(row.code);
      if (first) problems.push({ line, field: "编码", message: `编码 ${row.code} 与第 ${first} 行重复` });
      else codes.set(row.code, line);
    }
    rows.push(row);
  });
  return { rows, problems, columns: present };
}
