// Register files from CSV/XLSX — the volunteers' (志愿者名册) and the 党员中心户' — read by one reader with the
// responsibility list's readers and limits: every row checked, names (a grid, buildings) found, every problem kept
// with its row; a file with any problem is refused whole (ListImportError), else written in one transaction.
import { z } from "zod";
import type { Db, Prisma } from "../db.ts";
import { csvRecords } from "../responsibility/csv.ts";
import { xlsxRecords } from "../responsibility/xlsx.ts";
import { LIST_LIMITS, ListFileRefused, ListImportError, type RowProblem } from "../responsibility/limits.ts";
import { HELPER_CHANNELS, householdName, personName, phoneText, setHouseholdBuildings, type HouseholdInput, type VolunteerInput } from "./registers.ts";
import { areasIn, householdsIn, type Scope } from "../org/scope.ts";

type Tx = Prisma.TransactionClient;

/** One register's file: its columns, the labels problems name, each row's schema, and how its names are found. */
interface RegisterFormat<R, T> {
  /** Header → field, Chinese and English. Columns not named here are ignored. */
  headers: Record<string, string>;
  /** Field → the column's Chinese name, as problems name it. */
  labels: Record<string, string>;
  row: z.ZodType<R, Record<string, string>>;
  /** The row as written (names of areas found); `problem` keeps what cannot be. */
  resolve: (row: R, problem: (field: string, message: string) => void) => T;
}

async function readRegisterFile<R extends { channel: string | null; address: string | null }, T>(fileName: string, bytes: Buffer, format: RegisterFormat<R, T>): Promise<T[]> {
  if (bytes.length > LIST_LIMITS.fileBytes) throw new ListFileRefused("file_too_large", `文件不能超过 ${LIST_LIMITS.fileBytes / 1024 / 1024} MB`);
  const [header = [], ...records] = /\.xlsx$/i.test(fileName) ? await xlsxRecords(bytes) : csvRecords(bytes);
  const fields = header.map((h) => format.headers[h.trim()] ?? format.headers[h.trim().toLowerCase()]);
  if (!fields.includes("name")) throw new ListImportError([{ line: 1, field: "表头", message: `缺少“${format.labels.name}”（name）列` }]);
  const problems: RowProblem[] = [];
  const rows: T[] = [];
  records.forEach((r, i) => {
    const line = i + 2;
    if (!r.some((c) => c.trim() !== "")) return;
    const parsed = format.row.safeParse(Object.fromEntries(fields.flatMap((f, c) => (f ? [[f, r[c] ?? ""]] : []))));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ line, field: format.labels[String(issue.path[0])], message: issue.message });
      return;
    }
    const problem = (field: string, message: string) => problems.push({ line, field, message });
    if (Boolean(parsed.data.channel) !== Boolean(parsed.data.address)) problem("聊天账号", "渠道和聊天账号需同时填写或同时留空");
    rows.push(format.resolve(parsed.data, problem));
  });
  if (problems.length) throw new ListImportError(problems);
  return rows;
}

const text = (max: number) => z.string().optional().transform((v) => v?.trim() ?? "").pipe(z.string().max(max, `不能超过 ${max} 个字`));
const optional = (v: string | undefined) => v?.trim() || null;
const yesNo = (label: string) =>
  z.string().optional().transform((v, ctx) => {
    const t = (v ?? "").trim().toLowerCase();
    if (!t || ["否", "n", "no", "false", "0"].includes(t)) return false;
    if (["是", "y", "yes", "true", "1"].includes(t)) return true;
    ctx.addIssue({ code: "custom", message: `${label}“${v}”应为“是”或“否”` });
    return z.NEVER;
  });
const list = (v: string | undefined) => (v ?? "").split(/[、,，;；|\n]/).map((s) => s.trim()).filter(Boolean);
/** The chat both registers have: a channel the service has and an address. */
const chat = {
  channel: z.string().optional().transform(optional).pipe(z.enum(HELPER_CHANNELS, { message: `渠道应为 ${HELPER_CHANNELS.join("、")} 之一` }).nullable()),
  address: z.string().optional().transform(optional).pipe(z.string().max(200).nullable()),
};
const CHAT_HEADERS = { 渠道: "channel", channel: "channel", 聊天账号: "address", address: "address" };
const CHAT_LABELS = { channel: "渠道", address: "聊天账号" };

// ---- volunteers ----

const volunteerRow = z.object({
  name: z.string().optional().transform((v) => v?.trim() ?? "").pipe(personName),
  phone: z.string().optional().transform((v) => v?.trim() ?? "").pipe(phoneText),
  sharePhone: yesNo("同意告知电话"),
  grid: z.string().optional().transform(optional),
  ...chat,
  kind: z.string().optional().transform((v) => (v?.trim() === "合伙人" || v?.trim() === "partner" ? "partner" : "volunteer")),
  skills: z.string().optional().transform(list).pipe(z.array(z.string().max(20)).max(20, "技能最多 20 项")),
  availability: text(100),
  partyMember: yesNo("党员"),
});

/** Reads a volunteers file: 姓名, 电话, 同意告知电话, 网格 (by name), 渠道, 聊天账号, 类型, 技能, 服务时间, 党员. */
export async function readVolunteerFile(db: Db, fileName: string, bytes: Buffer, scope: Scope | null = null): Promise<VolunteerInput[]> {
  // A district's or a street's administrator names their own grids (another street's reads as no such grid).
  const grids = await db.area.findMany({ where: { AND: [{ level: "grid" }, areasIn(scope)] } });
  return readRegisterFile(fileName, bytes, {
    headers: {
      姓名: "name", name: "name", 电话: "phone", phone: "phone", 同意告知电话: "sharePhone", share_phone: "sharePhone", 网格: "grid", grid: "grid", ...CHAT_HEADERS,
      类型: "kind", kind: "kind", 技能: "skills", skills: "skills", 服务时间: "availability", availability: "availability", 党员: "partyMember", party_member: "partyMember",
    },
    labels: { name: "姓名", phone: "电话", sharePhone: "同意告知电话", grid: "网格", ...CHAT_LABELS, kind: "类型", skills: "技能", availability: "服务时间", partyMember: "党员" },
    row: volunteerRow,
    resolve: ({ grid, ...rest }, problem) => {
      const matches = grid ? grids.filter((g) => g.name === grid) : [];
      if (grid && matches.length !== 1) problem("网格", matches.length ? `网格“${grid}”有重名，请在控制台逐个添加` : `没有网格“${grid}”`);
      if (!grid && scope?.area) problem("网格", "请填写网格");
      return { ...rest, gridId: matches.length === 1 ? matches[0].id : null, active: true };
    },
  });
}

// ---- 党员中心户 ----

const householdRow = z.object({
  name: z.string().optional().transform((v) => v?.trim() ?? "").pipe(householdName),
  phone: z.string().optional().transform((v) => v?.trim() ?? "").pipe(phoneText),
  families: z.string().optional().transform((v, ctx) => {
    const t = (v ?? "").trim().replace(/户$/, "");
    if (!t) return 0;
    if (!/^\d{1,5}$/.test(t)) {
      ctx.addIssue({ code: "custom", message: `联系户数“${v}”应为 0 到 10000 的整数` });
      return z.NEVER;
    }
    return Number(t);
  }).pipe(z.number().max(10_000, "联系户数应为 0 到 10000 的整数")),
  area: z.string().optional().transform(optional),
  buildings: z.string().optional().transform(list).pipe(z.array(z.string().max(60)).max(50, "楼栋最多 50 个")),
  ...chat,
  note: text(300),
});

type AreaRow = { id: number; level: string; name: string; parentId: number | null };

/**
 * A building by name: "9号楼" within the row's 网格 or 社区, or "幸福社区第二网格/9号楼"; without an area, a name
 * the whole street has once. A problem (and null) when there is none or more than one.
 */
function findBuilding(areas: AreaRow[], entry: string, rowArea: string | null, problem: (field: string, message: string) => void): number | null {
  const slash = entry.lastIndexOf("/");
  const areaName = slash > 0 ? entry.slice(0, slash).trim() : rowArea;
  const name = slash > 0 ? entry.slice(slash + 1).trim() : entry;
  let found = areas.filter((a) => a.level === "building" && a.name === name);
  if (areaName) {
    const scopes = areas.filter((a) => (a.level === "grid" || a.level === "community") && a.name === areaName);
    if (scopes.length !== 1) {
      problem("楼栋", scopes.length ? `网格或社区“${areaName}”有重名` : `没有网格或社区“${areaName}”`);
      return null;
    }
    const scope = scopes[0];
    const parentOf = (id: number | null) => areas.find((a) => a.id === id);
    found = found.filter((b) => b.parentId === scope.id || parentOf(b.parentId)?.parentId === scope.id);
  }
  if (found.length === 1) return found[0].id;
  if (found.length) problem("楼栋", `楼栋“${name}”有重名，请写明网格，如“${areas.find((a) => a.id === found[0].parentId)?.name ?? "网格"}/${name}”`);
  else problem("楼栋", areaName ? `${areaName}没有楼栋“${name}”` : `没有楼栋“${name}”`);
  return null;
}

/** Reads a 党员中心户 file: 户名, 电话, 联系户数, 网格/社区, 楼栋 (several, by name in that area), 渠道, 聊天账号, 备注. */
export async function readHouseholdFile(db: Db, fileName: string, bytes: Buffer, scope: Scope | null = null): Promise<HouseholdInput[]> {
  const areas = await db.area.findMany({ where: { AND: [{ level: { in: ["community", "grid", "building"] } }, areasIn(scope)] }, select: { id: true, level: true, name: true, parentId: true } });
  return readRegisterFile(fileName, bytes, {
    headers: {
      户名: "name", 党员中心户: "name", name: "name", 电话: "phone", phone: "phone", 联系户数: "families", families: "families",
      网格: "area", 社区: "area", area: "area", grid: "area", community: "area", 楼栋: "buildings", buildings: "buildings", ...CHAT_HEADERS, 备注: "note", note: "note",
    },
    labels: { name: "户名", phone: "电话", families: "联系户数", area: "网格", buildings: "楼栋", ...CHAT_LABELS, note: "备注" },
    row: householdRow,
    resolve: ({ area, buildings, ...rest }, problem) => {
      const ids = buildings.map((b) => findBuilding(areas, b, area, problem)).filter((id): id is number => id !== null);
      return { ...rest, buildingIds: [...new Set(ids)], active: true };
    },
  });
}

// ---- writing ----

/** Writes a file's rows in one transaction: a row matching one already registered updates it, the others are added. */
async function writeRegister<T>(db: Db, rows: T[], w: { find: (tx: Tx, row: T) => Promise<{ id: number } | null>; create: (tx: Tx, row: T) => Promise<unknown>; update: (tx: Tx, id: number, row: T) => Promise<unknown> }) {
  return db.$transaction(async (tx) => {
    let added = 0;
    let changed = 0;
    for (const row of rows) {
      const existing = await w.find(tx, row);
      if (existing) {
        await w.update(tx, existing.id, row);
        changed++;
      } else {
        await w.create(tx, row);
        added++;
      }
    }
    return { added, changed };
  });
}

/** A volunteer of the same name in the same grid is updated, others added. */
export const importVolunteers = (db: Db, rows: VolunteerInput[]) =>
  writeRegister(db, rows, {
    find: (tx, row) => tx.volunteer.findFirst({ where: { name: row.name, gridId: row.gridId } }),
    create: (tx, row) => tx.volunteer.create({ data: row }),
    update: (tx, id, row) => tx.volunteer.update({ where: { id }, data: row }),
  });

/** A household of the same name (of the scope's: another street's namesake is not theirs) is updated (its buildings are the file's), others added. */
export const importHouseholds = (db: Db, rows: HouseholdInput[], scope: Scope | null = null) =>
  writeRegister(db, rows, {
    find: (tx, row) => tx.partyHousehold.findFirst({ where: { name: row.name, ...householdsIn(scope) }, orderBy: { id: "asc" } }),
    create: async (tx, { buildingIds, ...h }) => setHouseholdBuildings(tx, (await tx.partyHousehold.create({ data: h })).id, buildingIds),
    update: async (tx, id, { buildingIds, ...h }) => {
      await tx.partyHousehold.update({ where: { id }, data: h });
      await setHouseholdBuildings(tx, id, buildingIds);
    },
  });
