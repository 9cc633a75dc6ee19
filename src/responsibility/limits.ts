// What one list file may hold, and the two ways reading one fails: problems in its rows, or a limit passed.

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

/** Reading stopped at `line`: the file has more matters than LIST_LIMITS.rows. */
export const tooManyRows = (line: number) =>
  new ListFileRefused(
    "too_many_rows",
    `文件超过 ${LIST_LIMITS.rows} 行：一次最多导入 ${LIST_LIMITS.rows} 个事项（不含表头），已在第 ${line} 行停止读取。请删去多余的行，或拆成几个文件用“只新增和修改”分批导入。`,
  );
