// Service places from a CSV/XLSX file (one row a place), read with the list import's readers and limits, and
// the seed file: rows checked one by one with every problem kept (in Chinese, with its row and column), areas named
// by name. A file with any bad row is refused whole; a good one is saved by code in one transaction.
import { z } from "zod";
import type { Db } from "../db.ts";
import { csvRecords } from "../responsibility/csv.ts";
import { xlsxRecords } from "../responsibility/xlsx.ts";
import { LIST_LIMITS, ListFileRefused, ListImportError, type RowProblem } from "../responsibility/limits.ts";
import { kindOf } from "./kinds.ts";
import { WEEKDAYS, WEEKDAY_LABELS, type Weekday } from "./hours.ts";
import { placeSchema, savePlaces, type PlaceInput } from "./service.ts";
import { areasIn, type Scope } from "../org/scope.ts";

/** The file's columns: header → field. */
const COLUMNS = {
  编码: "code", 名称: "name", 类型: "kind", 地址: "address", 电话: "phone", 别名: "aliases", 所属区域: "area", 服务区域: "served",
  周一: "mon", 周二: "tue", 周三: "wed", 周四: "thu", 周五: "fri", 周六: "sat", 周日: "sun", 节假日: "holiday", 服务: "services", 备注: "note", 启用: "active",
} as const;
type Column = (typeof COLUMNS)[keyof typeof COLUMNS];
const LABEL = Object.fromEntries(Object.entries(COLUMNS).map(([label, field]) => [field, label])) as Record<Column, string>;
const REQUIRED: Column[] = ["code", "name", "kind", "address"];
/** The header line, as a template for administrators. */
export const PLACE_FILE_HEADER = Object.keys(COLUMNS);

const list = (v: string) => v.split(/[、,，;；\n]/).map((s) => s.trim()).filter(Boolean);
const hoursCell = (v: string) => (/^(休息|不开放|无|关闭)?$/.test(v.trim()) ? [] : v.split(/[、,，;；\s]+/).map((s) => s.trim()).filter(Boolean));
const yes = (v: string) => /^(是|可|可预约|y|yes|true|1)$/i.test(v.trim());

/** "家政保洁|30元/小时|可预约；理发|5元": name | price | bookable, one service a line or after ；. */
function servicesCell(v: string) {
  return v
    .split(/[;；\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const [name = "", price = "", bookable = ""] = item.split(/[|｜]/).map((s) => s.trim());
      return { name, price, bookable: yes(bookable) };
    });
}

/** Area names → ids (of the scope's areas: another street's reads as unknown): a name unknown is a problem of its row. */
async function areaIdsByName(db: Db, scope: Scope | null = null): Promise<Map<string, number>> {
  const areas = await db.area.findMany({ where: areasIn(scope), select: { id: true, name: true }, orderBy: { id: "asc" } });
  const byName = new Map<string, number>();
  for (const a of areas) if (!byName.has(a.name)) byName.set(a.name, a.id);
  return byName;
}

/** One row's values → a checked place, or its problems. */
function checkRow(raw: Record<string, unknown>, line: number, areas: Map<string, number>): { place?: PlaceInput; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const area = typeof raw.area === "string" && raw.area ? raw.area : null;
  const served = Array.isArray(raw.served) ? (raw.served as string[]) : [];
  for (const name of [...(area ? [area] : []), ...served]) {
    if (!areas.has(name)) problems.push({ line, field: area === name ? LABEL.area : LABEL.served, message: `区域“${name}”不存在` });
  }
  const parsed = placeSchema.safeParse({ ...raw, areaId: area ? (areas.get(area) ?? null) : null, servedAreaIds: served.map((n) => areas.get(n)).filter((id): id is number => id !== undefined) });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [first, second, third] = issue.path;
      const field = first === "hours" ? WEEKDAY_LABELS[second as Weekday] : first === "holidayHours" ? LABEL.holiday : first === "services" ? `${LABEL.services}${typeof second === "number" ? ` 第 ${second + 1} 项${third ? `（${String(third)}）` : ""}` : ""}` : (LABEL[first as Column] ?? String(first));
      problems.push({ line, field, message: issue.message });
    }
  }
  return problems.length || !parsed.success ? { problems } : { place: parsed.data, problems };
}

/** The rows of a place file: every row's problems, or the places. Over a limit throws ListFileRefused. */
export async function readPlaceFile(db: Db, fileName: string, bytes: Buffer, scope: Scope | null = null): Promise<{ places: PlaceInput[]; problems: RowProblem[] }> {
  if (bytes.length > LIST_LIMITS.fileBytes) throw new ListFileRefused("file_too_large", `文件不能超过 ${LIST_LIMITS.fileBytes / 1024 / 1024} MB`);
  let records: string[][];
  try {
    records = /\.xlsx$/i.test(fileName) ? await xlsxRecords(bytes) : csvRecords(bytes);
  } catch (err) {
    if (err instanceof ListImportError) return { places: [], problems: err.problems };
    throw err;
  }
  const [header = [], ...rows] = records;
  const fields = header.map((h) => COLUMNS[h.replace(/^\uFEFF/, "").trim() as keyof typeof COLUMNS]);
  const absent = REQUIRED.filter((f) => !fields.includes(f));
  if (absent.length) return { places: [], problems: [{ line: 1, message: `缺少列：${absent.map((f) => LABEL[f]).join("、")}（表头应为 ${PLACE_FILE_HEADER.join(",")}）` }] };

  const areas = await areaIdsByName(db, scope);
  const places: PlaceInput[] = [];
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  rows.forEach((cells, i) => {
    const line = i + 2;
    if (cells.every((c) => !c)) return;
    const cell = (f: Column) => cells[fields.indexOf(f)] ?? "";
    const kind = kindOf(cell("kind"));
    const raw: Record<string, unknown> = {
      code: cell("code"), name: cell("name"), kind: kind ?? cell("kind"), address: cell("address"), phone: cell("phone"),
      aliases: list(cell("aliases")), area: cell("area"), served: list(cell("served")),
      hours: Object.fromEntries(WEEKDAYS.map((d) => [d, hoursCell(cell(d))])), holidayHours: hoursCell(cell("holiday")),
      services: servicesCell(cell("services")), note: cell("note"), active: fields.includes("active") && cell("active") ? yes(cell("active")) : true,
    };
    const checked = checkRow(raw, line, areas);
    problems.push(...checked.problems);
    const code = String(raw.code);
    if (code && seen.has(code)) problems.push({ line, field: LABEL.code, message: `编码“${code}”与第 ${seen.get(code)} 行重复` });
    else seen.set(code, line);
    if (checked.place) places.push(checked.place);
  });
  if (!places.length && !problems.length) problems.push({ line: 2, message: "文件中没有场所" });
  return { places, problems };
}

const seedFile = z.object({ places: z.array(z.record(z.string(), z.unknown())) });

/** The embedded places (prisma/seed/places.json), checked as an import's rows are; areas by name. */
export async function seedPlaces(db: Db, json: unknown): Promise<number> {
  const areas = await areaIdsByName(db);
  const checked = seedFile.parse(json).places.map((raw, i) => checkRow(raw, i + 1, areas));
  const problems = checked.flatMap((c) => c.problems);
  if (problems.length) throw new ListImportError(problems);
  const { added } = await savePlaces(db, checked.map((c) => c.place!));
  return added;
}
