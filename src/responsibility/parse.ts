// Reads a responsibility list (一网统管职责清单) from a spreadsheet's CSV or XLSX, with English or Chinese headers,
// within limits (rows, unpacked size) checked before the work they bound; the service reads files in a worker thread.
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { z } from "zod";
import { runInThread } from "../threads.ts";
import { readCentralDirectory, storedFile, unpackEntry, writeZip, ZipRefused } from "./zip.ts";

/** What one list file may hold. A real list has hundreds of matters; a 517-matter XLSX is about 30 KB. */
export const LIST_LIMITS = {
  /** Matters, i.e. rows after the header (blank rows not counted). */
  rows: 5000,
  /** The file as uploaded. */
  fileBytes: 5 * 1024 * 1024,
  /** An XLSX unpacked, all its parts together (5,000 long rows are about 10 MB). */
  unpackedBytes: 40 * 1024 * 1024,
  /** Parts in an XLSX (Excel writes about a dozen). */
  zipEntries: 500,
  /** Unpacked ÷ packed above which a part over 1 MB is a bomb: sheets compress 5–30 times, deflate at most ~1,000. */
  zipRatio: 200,
  /** Problems listed in an answer; the count says how many there are in all. */
  shownProblems: 100,
} as const;

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

/** The file's rows have problems (every one of them is kept; the message lists the first LIST_LIMITS.shownProblems). */
export class ListImportError extends Error {
  constructor(readonly problems: RowProblem[]) {
    const shown = problems.slice(0, LIST_LIMITS.shownProblems).map((p) => `第 ${p.line} 行${p.field ? `（${p.field}）` : ""}：${p.message}`);
    if (problems.length > shown.length) shown.push(`还有 ${problems.length - shown.length} 处问题未列出`);
    super(shown.join("\n"));
  }
}

/** The file is over a limit and was not read to the end: no rows, one reason. */
export class ListFileRefused extends Error {
  constructor(readonly id: "too_many_rows" | "unpacked_too_large" | "file_too_large", message: string) {
    super(message);
  }
}

const tooManyRows = (line: number) =>
  new ListFileRefused(
    "too_many_rows",
    `文件超过 ${LIST_LIMITS.rows} 行：一次最多导入 ${LIST_LIMITS.rows} 个事项（不含表头），已在第 ${line} 行停止读取。请删去多余的行，或拆成几个文件用“只新增和修改”分批导入。`,
  );

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

/** The CSV's records; reading stops at the first row over the limit (the rest of the file is never parsed). */
function csvRecords(input: Buffer | string): string[][] {
  const records: string[][] = [];
  let filled = 0; // non-blank records, the header included
  try {
    parse(decodeSpreadsheetText(input), {
      bom: true, skip_empty_lines: false, relax_column_count: true, trim: true,
      on_record: (record: string[]) => {
        records.push(record);
        if (record.some((c) => c !== "") && ++filled > LIST_LIMITS.rows + 1) throw tooManyRows(records.length);
        return null; // kept here, not in the parser's own array
      },
    });
  } catch (err) {
    if (err instanceof ListFileRefused) throw err;
    throw new ListImportError([{ line: (err as { lines?: number }).lines ?? 0, message: `CSV 格式错误：${(err as Error).message}` }]);
  }
  return records;
}

/** The first worksheet of an .xlsx file, read like the CSV (row numbers are the sheet's). */
export async function parseMatterXlsx(input: Buffer): Promise<MatterRow[]> {
  return orThrow(readMatterTable(await xlsxRecords(input)));
}

async function xlsxRecords(input: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(checkedXlsx(input) as unknown as ArrayBuffer);
  } catch (err) {
    if (err instanceof ListFileRefused || err instanceof ListImportError) throw err;
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

/** The parts of a workbook that reading its first sheet needs (themes, pictures, other sheets are left packed). */
const XLSX_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml"];

/**
 * The workbook, checked, as a zip exceljs can load without unpacking anything itself. Why this way: exceljs (JSZip)
 * inflates every part in full before anyone can look at it, and its streaming reader cannot be told to stop at a
 * byte count. So the zip's central directory is read first (declared sizes, each and in sum, and the compression
 * ratio), then only the parts needed are inflated, each stopped at its declared size (a directory that lies is
 * caught while inflating, never after), the first sheet's rows are counted, and exceljs gets those parts stored
 * uncompressed: what it reads is exactly what was counted.
 */
function checkedXlsx(input: Buffer): Buffer {
  const parts = new Map<string, Buffer>();
  try {
    const entries = readCentralDirectory(input, {
      maxTotalBytes: LIST_LIMITS.unpackedBytes, maxEntryBytes: LIST_LIMITS.unpackedBytes, maxEntries: LIST_LIMITS.zipEntries,
      maxRatio: LIST_LIMITS.zipRatio, ratioFloorBytes: 1024 * 1024,
    });
    const byName = new Map(entries.map((e) => [e.name.replace(/^\//, ""), e]));
    const unpack = (name: string) => {
      const entry = byName.get(name);
      if (entry && !parts.has(name)) parts.set(name, unpackEntry(input, entry));
      return parts.get(name);
    };
    for (const name of XLSX_PARTS) unpack(name);
    const sheetName = firstSheetPart(parts.get("xl/workbook.xml"), parts.get("xl/_rels/workbook.xml.rels"));
    const sheet = sheetName ? unpack(sheetName) : undefined;
    if (!sheetName || !sheet) throw new ListImportError([{ line: 1, message: "Excel 文件中没有工作表" }]);
    const over = rowOverLimit(sheet.toString("utf8"));
    if (over !== null) throw tooManyRows(over);
  } catch (err) {
    if (err instanceof ZipRefused) {
      if (err.kind === "too_large") throw new ListFileRefused("unpacked_too_large", err.message);
      throw new ListImportError([{ line: 0, message: `无法读取 Excel 文件：${err.message}` }]);
    }
    throw err;
  }
  return writeZip([...parts].map(([name, data]) => storedFile(name, data)));
}

/** The part holding the workbook's first sheet (as tabs are ordered), from workbook.xml and its relationships. */
function firstSheetPart(workbook: Buffer | undefined, rels: Buffer | undefined): string | null {
  const sheet = workbook && /<(?:[\w.-]+:)?sheet\s[^>]*?\b[\w.-]+:id="([^"]+)"/.exec(workbook.toString("utf8"));
  if (!sheet || !rels) return null;
  for (const [tag] of rels.toString("utf8").matchAll(/<(?:[\w.-]+:)?Relationship\s[^>]*>/g)) {
    if (/\sId="([^"]+)"/.exec(tag)?.[1] !== sheet[1]) continue;
    const target = /\sTarget="([^"]+)"/.exec(tag)?.[1];
    if (!target) return null;
    return target.startsWith("/") ? target.slice(1) : `xl/${target}`;
  }
  return null;
}

/**
 * The sheet's row number at which it passes the row limit (header + LIST_LIMITS.rows rows with a value), or null.
 * A scan of the XML, stopping there, before anything is parsed; rows with only formatting do not count.
 */
function rowOverLimit(xml: string): number | null {
  const rowTag = /<(?:[\w.-]+:)?row\b([^>]*?)(\/?)>/g;
  const value = /<(?:[\w.-]+:)?(?:v|is)[\s>]/;
  let filled = 0;
  let m: RegExpExecArray | null;
  while ((m = rowTag.exec(xml))) {
    if (m[2]) continue; // <row …/>: nothing in it
    const end = xml.indexOf("row>", rowTag.lastIndex);
    const body = xml.slice(rowTag.lastIndex, end < 0 ? xml.length : end);
    if (end >= 0) rowTag.lastIndex = end;
    if (value.test(body) && ++filled > LIST_LIMITS.rows + 1) return Number(/\br="(\d+)"/.exec(m[1])?.[1] ?? filled);
  }
  return null;
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

/** Reads a list from a file by its extension: .xlsx, or CSV (in this thread). */
export async function parseMatterFile(name: string, input: Buffer): Promise<MatterRow[]> {
  return orThrow(await readMatterFileHere(name, input));
}

/** A file read without giving up at the first bad row: the good rows, every problem, and the fields it has. */
export interface MatterTable {
  rows: MatterRow[];
  problems: RowProblem[];
  /** The fields the file has a column for (a missing column keeps what the list has). */
  columns: Set<keyof MatterRow>;
}

/**
 * Like parseMatterFile, but returns the problems with the rows instead of throwing (the console's preview); a file
 * over a limit throws ListFileRefused. Runs in this thread: the service uses readMatterFile.
 */
export async function readMatterFileHere(name: string, input: Buffer): Promise<MatterTable> {
  if (input.length > LIST_LIMITS.fileBytes) throw new ListFileRefused("file_too_large", `文件不能超过 ${LIST_LIMITS.fileBytes / 1024 / 1024} MB`);
  try {
    return readMatterTable(/\.xlsx$/i.test(name) ? await xlsxRecords(input) : csvRecords(input));
  } catch (err) {
    if (err instanceof ListImportError) return { rows: [], problems: err.problems, columns: new Set() };
    throw err;
  }
}

/** What the reading thread (parseWorker.ts) answers. */
export type ReadReply = { table: MatterTable } | { refused: { id: ListFileRefused["id"]; message: string } } | { error: string };

let queue: Promise<unknown> = Promise.resolve();

/**
 * Up to this much text (a CSV's bytes, an XLSX's declared unpacked parts) a file is read on this thread: some
 * 500 rows, well under 100 ms, where starting a worker thread costs half a second or more.
 */
const READ_HERE_BYTES = 256 * 1024;

function smallEnoughHere(name: string, input: Buffer): boolean {
  if (!/\.xlsx$/i.test(name)) return input.length <= READ_HERE_BYTES;
  try {
    const entries = readCentralDirectory(input, {
      maxTotalBytes: READ_HERE_BYTES, maxEntryBytes: READ_HERE_BYTES, maxEntries: LIST_LIMITS.zipEntries, maxRatio: LIST_LIMITS.zipRatio, ratioFloorBytes: 1024 * 1024,
    });
    return entries.length > 0;
  } catch {
    return false; // larger, or refused: the thread says which
  }
}

/**
 * readMatterFileHere in a worker thread, so that reading and checking 5,000 rows (a second or more for an XLSX)
 * never holds up residents' messages; a small file is read here (smallEnoughHere). One file at a time (the others
 * wait their turn), in a thread with a heap limit of its own: a file that still needs more fails alone, and the
 * thread's memory is given back when it ends.
 */
export function readMatterFile(name: string, input: Buffer): Promise<MatterTable> {
  if (smallEnoughHere(name, input)) return readMatterFileHere(name, input);
  const read = queue.then(async () => {
    const reply = await runInThread<ReadReply>(new URL("./parseWorker.ts", import.meta.url), { name, input: new Uint8Array(input) }, {
      resourceLimits: { maxOldGenerationSizeMb: 768 },
    }).catch((err: Error & { code?: string }) => {
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") throw new ListFileRefused("unpacked_too_large", "文件内容过于庞大，读取时超出内存上限，请精简后再导入");
      throw err;
    });
    if ("refused" in reply) throw new ListFileRefused(reply.refused.id, reply.refused.message);
    if ("error" in reply) throw new Error(`reading the list file in its thread failed: ${reply.error}`);
    return reply.table;
  });
  queue = read.catch(() => undefined);
  return read;
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
