// Rows of a list file checked one by one into matters: every problem kept with its row number, codes unique.
import { z } from "zod";
import { headerFields, type RawRow } from "./headers.ts";
import { ListImportError, type RowProblem } from "./limits.ts";

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
  /** 志愿者可认领 (undefined: not said, the list keeps what it has; a new matter: no). */
  volunteerClaimable?: boolean;
}

/** A file read without giving up at the first bad row: the good rows, every problem, and the fields it has. */
export interface MatterTable {
  rows: MatterRow[];
  problems: RowProblem[];
  /** The fields the file has a column for (a missing column keeps what the list has). */
  columns: Set<keyof MatterRow>;
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

const yesNo = (label: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const t = (v ?? "").trim().toLowerCase();
      if (!t) return undefined;
      if (["是", "y", "yes", "true", "1", "需要"].includes(t)) return true;
      if (["否", "n", "no", "false", "0", "不需要"].includes(t)) return false;
      ctx.addIssue({ code: "custom", message: `${label}“${v}”应为“是”或“否”` });
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
  needsLocation: yesNo("需定位"),
  volunteerClaimable: yesNo("志愿者可认领"),
  level1: z.string().optional(),
  level2: z.string().optional(),
});

const FIELD_LABELS: Record<string, string> = {
  code: "编码", name: "事项名称", responseHours: "响应时限", resolveDays: "办结时限", needsLocation: "需定位", volunteerClaimable: "志愿者可认领",
};

/** A file's records (blank ones too, header first) as matters and problems; an empty file or header throws. */
export function readMatterTable(all: string[][]): MatterTable {
  // Blank rows are skipped but keep their numbers, so a problem names the row the administrator sees.
  const records = all.map((cells, i) => ({ cells, line: i + 1 })).filter((r) => r.cells.some((c) => c !== ""));
  if (!records.length) throw new ListImportError([{ line: 1, message: "文件为空" }]);
  const [{ cells: header }, ...body] = records;
  if (!header) throw new ListImportError([{ line: 1, message: "文件为空" }]);
  const columns = headerFields(header);
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
