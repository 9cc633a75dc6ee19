// Reads a responsibility list (一网统管职责清单) from CSV or XLSX, here or in a worker thread: the one entry point.
import { runInThread } from "../threads.ts";
import { csvRecords } from "./csv.ts";
import { LIST_LIMITS, ListFileRefused, ListImportError } from "./limits.ts";
import { readMatterTable, type MatterRow, type MatterTable } from "./rows.ts";
import { xlsxRecords } from "./xlsx.ts";
import { readCentralDirectory } from "./zip.ts";

// What the readers' callers use, from the modules that hold it (limits.ts, rows.ts, csv.ts).
export { decodeSpreadsheetText } from "./csv.ts";
export { LIST_LIMITS, ListFileRefused, ListImportError, type RowProblem } from "./limits.ts";
export type { MatterRow, MatterTable } from "./rows.ts";

export function parseMatterCsv(input: Buffer | string): MatterRow[] {
  return orThrow(readMatterTable(csvRecords(input)));
}

/** The first worksheet of an .xlsx file, read like the CSV (row numbers are the sheet's). */
export async function parseMatterXlsx(input: Buffer): Promise<MatterRow[]> {
  return orThrow(readMatterTable(await xlsxRecords(input)));
}

/** Reads a list from a file by its extension: .xlsx, or CSV (in this thread). */
export async function parseMatterFile(name: string, input: Buffer): Promise<MatterRow[]> {
  return orThrow(await readMatterFileHere(name, input));
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
