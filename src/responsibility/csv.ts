// The records of a CSV list file (UTF-8 or GBK), read no further than the row limit.
import { parse } from "csv-parse/sync";
import { LIST_LIMITS, ListFileRefused, ListImportError, tooManyRows } from "./limits.ts";

/** Spreadsheets saved on Chinese Windows are often GBK; anything that is not valid UTF-8 is read as GB18030. */
export function decodeSpreadsheetText(input: Buffer | string): string {
  if (typeof input === "string") return input;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    return new TextDecoder("gb18030").decode(input);
  }
}

/** The CSV's records; reading stops at the first row over the limit (the rest of the file is never parsed). */
export function csvRecords(input: Buffer | string): string[][] {
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
