// The records of an XLSX list file's first sheet, its zip checked against the limits before anything is unpacked.
import type ExcelJS from "exceljs";
import { LIST_LIMITS, ListFileRefused, ListImportError, tooManyRows } from "./limits.ts";
import { readCentralDirectory, storedFile, unpackEntry, writeZip, ZipRefused } from "./zip.ts";

/** The first worksheet's records (row numbers are the sheet's: a missing row is an empty record). */
export async function xlsxRecords(input: Buffer): Promise<string[][]> {
  const { default: Excel } = await import("exceljs"); // loaded at the first file (see http/tables.ts)
  const workbook = new Excel.Workbook();
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
