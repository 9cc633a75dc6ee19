// The registers administrators keep: volunteers (name, chat, grid, skills, availability, party member, consent to
// share a phone) and 党员中心户 (the household, its chat, the buildings it looks after). Imported from CSV/XLSX with
// the responsibility list's readers and limits; a file with bad rows is refused whole, every row's problem named.
import { z } from "zod";
import type { Db, Prisma } from "../db.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { CONTACT_CHANNELS } from "../channels/types.ts";
import { csvRecords } from "../responsibility/csv.ts";
import { xlsxRecords } from "../responsibility/xlsx.ts";
import { LIST_LIMITS, ListFileRefused, ListImportError, type RowProblem } from "../responsibility/limits.ts";

type Tx = Prisma.TransactionClient;

const name = z.string().trim().min(1, "姓名不能为空").max(60, "姓名不能超过 60 个字");
const phoneText = z.string().trim().regex(/^$|^[0-9+\- ]{3,20}$/, "电话号码格式不对");
const phone = phoneText.default("");
/** A chat the bot writes to: both the channel and the address, or neither (reached on the console only). */
const chat = { channel: z.enum(CONTACT_CHANNELS).nullable().default(null), address: z.string().trim().max(200).nullable().default(null) };
const bothOrNeither = (c: { channel?: string | null; address?: string | null }, ctx: z.RefinementCtx) => {
  if (c.channel !== undefined && c.address !== undefined && Boolean(c.channel) !== Boolean(c.address)) {
    ctx.addIssue({ code: "custom", path: ["address"], message: "渠道和聊天账号需同时填写或同时留空" });
  }
};

const volunteerFields = z.object({
  name,
  phone,
  sharePhone: z.boolean().default(false),
  ...chat,
  gridId: z.number().int().positive().nullable().default(null),
  kind: z.enum(["volunteer", "partner"]).default("volunteer"),
  skills: z.array(z.string().trim().min(1).max(20)).max(20).default([]),
  availability: z.string().trim().max(100).default(""),
  partyMember: z.boolean().default(false),
  active: z.boolean().default(true),
});
export const volunteerSchema = volunteerFields.superRefine(bothOrNeither);
export const volunteerUpdateSchema = volunteerFields.partial().superRefine(bothOrNeither);
export type VolunteerInput = z.infer<typeof volunteerSchema>;

const householdFields = z.object({
  name,
  phone,
  ...chat,
  families: z.number().int().min(0).max(10_000).default(0),
  note: z.string().trim().max(300).default(""),
  active: z.boolean().default(true),
  buildingIds: z.array(z.number().int().positive()).max(50).default([]),
});
export const householdSchema = householdFields.superRefine(bothOrNeither);
export const householdUpdateSchema = householdFields.partial().superRefine(bothOrNeither);

/** The areas must exist at this level (a volunteer's grid, a household's buildings). */
async function checkLevel(db: Db | Tx, ids: number[], level: "grid" | "building") {
  if (!ids.length) return;
  const found = await db.area.count({ where: { id: { in: ids }, level } });
  if (found !== new Set(ids).size) throw ValidationError(level === "grid" ? "请选择一个网格" : "请选择楼栋");
}

export async function createVolunteer(db: Db, v: VolunteerInput) {
  await checkLevel(db, v.gridId ? [v.gridId] : [], "grid");
  return db.volunteer.create({ data: v });
}

export async function changeVolunteer(db: Db, id: number, v: z.infer<typeof volunteerUpdateSchema>) {
  if (!(await db.volunteer.findUnique({ where: { id } }))) throw NotFoundError("志愿者不存在");
  await checkLevel(db, v.gridId ? [v.gridId] : [], "grid");
  return db.volunteer.update({ where: { id }, data: v });
}

export async function createHousehold(db: Db, { buildingIds, ...h }: z.infer<typeof householdSchema>) {
  await checkLevel(db, buildingIds, "building");
  return db.partyHousehold.create({ data: { ...h, buildings: { create: [...new Set(buildingIds)].map((buildingId) => ({ buildingId })) } } });
}

export async function changeHousehold(db: Db, id: number, { buildingIds, ...h }: z.infer<typeof householdUpdateSchema>) {
  if (!(await db.partyHousehold.findUnique({ where: { id } }))) throw NotFoundError("党员中心户不存在");
  if (buildingIds) await checkLevel(db, buildingIds, "building");
  return db.$transaction(async (tx) => {
    if (buildingIds) {
      await tx.partyHouseholdBuilding.deleteMany({ where: { householdId: id } });
      await tx.partyHouseholdBuilding.createMany({ data: [...new Set(buildingIds)].map((buildingId) => ({ householdId: id, buildingId })) });
    }
    return tx.partyHousehold.update({ where: { id }, data: h });
  });
}

/** Both registers, for the page. */
export async function readRegisters(db: Db) {
  const [volunteers, households, grids] = await Promise.all([
    db.volunteer.findMany({ orderBy: [{ gridId: "asc" }, { id: "asc" }], include: { grid: true } }),
    db.partyHousehold.findMany({ orderBy: { id: "asc" }, include: { buildings: { include: { building: true } } } }),
    db.area.findMany({ where: { level: { in: ["grid", "building"] } }, orderBy: { id: "asc" } }),
  ]);
  return { volunteers, households, grids };
}

// ---- import ----

/** Header → field, Chinese and English. Columns not named here are ignored. */
const HEADERS: Record<string, string> = {
  姓名: "name", name: "name", 电话: "phone", phone: "phone", 同意告知电话: "sharePhone", share_phone: "sharePhone",
  网格: "grid", grid: "grid", 渠道: "channel", channel: "channel", 聊天账号: "address", address: "address",
  类型: "kind", kind: "kind", 技能: "skills", skills: "skills", 服务时间: "availability", availability: "availability",
  党员: "partyMember", party_member: "partyMember",
};
const LABELS: Record<string, string> = { name: "姓名", phone: "电话", sharePhone: "同意告知电话", grid: "网格", channel: "渠道", address: "聊天账号", kind: "类型", skills: "技能", availability: "服务时间", partyMember: "党员" };

const yesNo = (label: string) =>
  z.string().optional().transform((v, ctx) => {
    const t = (v ?? "").trim().toLowerCase();
    if (!t || ["否", "n", "no", "false", "0"].includes(t)) return false;
    if (["是", "y", "yes", "true", "1"].includes(t)) return true;
    ctx.addIssue({ code: "custom", message: `${label}“${v}”应为“是”或“否”` });
    return z.NEVER;
  });
const optional = (v: string | undefined) => v?.trim() || null;
const rowSchema = z.object({
  name: z.string().optional().transform((v) => v?.trim() ?? "").pipe(name),
  phone: z.string().optional().transform((v) => v?.trim() ?? "").pipe(phoneText),
  sharePhone: yesNo("同意告知电话"),
  grid: z.string().optional().transform(optional),
  channel: z.string().optional().transform(optional).pipe(z.enum(CONTACT_CHANNELS, { message: `渠道应为 ${CONTACT_CHANNELS.join("、")} 之一` }).nullable()),
  address: z.string().optional().transform(optional).pipe(z.string().max(200).nullable()),
  kind: z.string().optional().transform((v) => (v?.trim() === "合伙人" || v?.trim() === "partner" ? "partner" : "volunteer")),
  skills: z.string().optional().transform((v) => (v ?? "").split(/[、,，|]/).map((s) => s.trim()).filter(Boolean)).pipe(z.array(z.string().max(20)).max(20, "技能最多 20 项")),
  availability: z.string().optional().transform((v) => v?.trim() ?? "").pipe(z.string().max(100)),
  partyMember: yesNo("党员"),
});

/** Reads a volunteers file (.xlsx, else CSV; the readers stop at the list's row limit): every row checked, every problem kept; throws ListImportError with them. */
export async function readVolunteerFile(db: Db, fileName: string, bytes: Buffer): Promise<VolunteerInput[]> {
  if (bytes.length > LIST_LIMITS.fileBytes) throw new ListFileRefused("file_too_large", `文件不能超过 ${LIST_LIMITS.fileBytes / 1024 / 1024} MB`);
  const [header = [], ...records] = /\.xlsx$/i.test(fileName) ? await xlsxRecords(bytes) : csvRecords(bytes);
  const fields = header.map((h) => HEADERS[h.trim()] ?? HEADERS[h.trim().toLowerCase()]);
  if (!fields.includes("name")) throw new ListImportError([{ line: 1, field: "表头", message: "缺少“姓名”（name）列" }]);
  const filled = records.map((r, i) => ({ r, line: i + 2 })).filter(({ r }) => r.some((c) => c.trim() !== ""));
  const grids = await db.area.findMany({ where: { level: "grid" } });
  const problems: RowProblem[] = [];
  const rows: VolunteerInput[] = [];
  for (const { r, line } of filled) {
    const raw = Object.fromEntries(fields.flatMap((f, i) => (f ? [[f, r[i] ?? ""]] : [])));
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ line, field: LABELS[String(issue.path[0])], message: issue.message });
      continue;
    }
    const p = parsed.data;
    const matches = p.grid ? grids.filter((g) => g.name === p.grid) : [];
    if (p.grid && matches.length !== 1) problems.push({ line, field: "网格", message: matches.length ? `网格“${p.grid}”有重名，请在控制台逐个添加` : `没有网格“${p.grid}”` });
    if (Boolean(p.channel) !== Boolean(p.address)) problems.push({ line, field: "聊天账号", message: "渠道和聊天账号需同时填写或同时留空" });
    const { grid: _grid, ...rest } = p;
    rows.push({ ...rest, gridId: matches.length === 1 ? matches[0].id : null, active: true });
  }
  if (problems.length) throw new ListImportError(problems);
  return rows;
}

/** Writes an imported file in one transaction: a volunteer of the same name in the same grid is updated, others added. */
export async function importVolunteers(db: Db, rows: VolunteerInput[]): Promise<{ added: number; changed: number }> {
  return db.$transaction(async (tx) => {
    let added = 0;
    let changed = 0;
    for (const row of rows) {
      const existing = await tx.volunteer.findFirst({ where: { name: row.name, gridId: row.gridId } });
      if (existing) {
        await tx.volunteer.update({ where: { id: existing.id }, data: row });
        changed++;
      } else {
        await tx.volunteer.create({ data: row });
        added++;
      }
    }
    return { added, changed };
  });
}
