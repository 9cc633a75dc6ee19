// The registers administrators keep: volunteers (name, chat, grid, skills, availability, party member, consent to
// share a phone) and 党员中心户 (the household, its chat, the buildings it looks after). Their CSV/XLSX files are
// imports.ts's.
import { z } from "zod";
import type { Db, Prisma } from "../db.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { CHANNEL_NAMES } from "../channels/types.ts";
import { rowIdValue } from "../http/ids.ts";
import { areasIn, householdsIn, volunteersIn, type Scope } from "../org/scope.ts";

type Tx = Prisma.TransactionClient;

export const personName = z.string().trim().min(1, "姓名不能为空").max(60, "姓名不能超过 60 个字");
export const householdName = z.string().trim().min(1, "户名不能为空").max(60, "户名不能超过 60 个字");
export const phoneText = z.string().trim().regex(/^$|^[0-9+\- ]{3,20}$/, "电话号码格式不对");
const phone = phoneText.default("");
/**
 * The channels a volunteer's or a household's chat may be on: every channel people write in, since a helper is
 * reached where they write (http through the integration's callback URL; 服务号 and 微信客服 within WeChat's reply
 * window, else the message waits as undeliverable until they write again).
 */
export const HELPER_CHANNELS = CHANNEL_NAMES;
/** A chat the bot writes to: both the channel and the address, or neither (reached on the console only). */
const chat = { channel: z.enum(HELPER_CHANNELS).nullable().default(null), address: z.string().trim().max(200).nullable().default(null) };
const bothOrNeither = (c: { channel?: string | null; address?: string | null }, ctx: z.RefinementCtx) => {
  if (c.channel !== undefined && c.address !== undefined && Boolean(c.channel) !== Boolean(c.address)) {
    ctx.addIssue({ code: "custom", path: ["address"], message: "渠道和聊天账号需同时填写或同时留空" });
  }
};

const volunteerFields = z.object({
  name: personName,
  phone,
  sharePhone: z.boolean().default(false),
  ...chat,
  gridId: rowIdValue.nullable().default(null),
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
  name: householdName,
  phone,
  ...chat,
  families: z.number().int().min(0).max(10_000).default(0),
  note: z.string().trim().max(300).default(""),
  active: z.boolean().default(true),
  buildingIds: z.array(rowIdValue).max(50).default([]),
});
export const householdSchema = householdFields.superRefine(bothOrNeither);
export const householdUpdateSchema = householdFields.partial().superRefine(bothOrNeither);
export type HouseholdInput = z.infer<typeof householdSchema>;

/**
 * The areas must exist at this level (a volunteer's grid, a household's buildings) and, for a district's or a
 * street's administrator, be theirs (another street's reads as none; and a volunteer of theirs has a grid).
 */
async function checkLevel(db: Db | Tx, ids: number[], level: "grid" | "building", scope: Scope | null = null) {
  if (!ids.length) {
    if (scope?.area && level === "grid") throw ValidationError("请选择一个网格");
    return;
  }
  const found = await db.area.count({ where: { AND: [{ id: { in: ids }, level }, areasIn(scope)] } });
  if (found !== new Set(ids).size) throw ValidationError(level === "grid" ? "请选择一个网格" : "请选择楼栋");
}

export async function createVolunteer(db: Db, v: VolunteerInput, scope: Scope | null = null) {
  await checkLevel(db, v.gridId ? [v.gridId] : [], "grid", scope);
  return db.volunteer.create({ data: v });
}

export async function changeVolunteer(db: Db, id: number, v: z.infer<typeof volunteerUpdateSchema>, scope: Scope | null = null) {
  if (!(await db.volunteer.findFirst({ where: { AND: [{ id }, volunteersIn(scope)] } }))) throw NotFoundError("志愿者不存在");
  if (v.gridId !== undefined) await checkLevel(db, v.gridId ? [v.gridId] : [], "grid", scope);
  return db.volunteer.update({ where: { id }, data: v });
}

export async function createHousehold(db: Db, { buildingIds, ...h }: HouseholdInput, scope: Scope | null = null) {
  await checkLevel(db, buildingIds, "building", scope);
  return db.partyHousehold.create({ data: { ...h, buildings: { create: [...new Set(buildingIds)].map((buildingId) => ({ buildingId })) } } });
}

export async function changeHousehold(db: Db, id: number, { buildingIds, ...h }: z.infer<typeof householdUpdateSchema>, scope: Scope | null = null) {
  if (!(await db.partyHousehold.findFirst({ where: { AND: [{ id }, householdsIn(scope)] } }))) throw NotFoundError("党员中心户不存在");
  if (buildingIds) await checkLevel(db, buildingIds, "building", scope);
  return db.$transaction(async (tx) => {
    if (buildingIds) await setHouseholdBuildings(tx, id, buildingIds);
    return tx.partyHousehold.update({ where: { id }, data: h });
  });
}

/** The buildings a household looks after, as given (the ones before are replaced). */
export async function setHouseholdBuildings(tx: Tx, householdId: number, buildingIds: number[]) {
  await tx.partyHouseholdBuilding.deleteMany({ where: { householdId } });
  await tx.partyHouseholdBuilding.createMany({ data: [...new Set(buildingIds)].map((buildingId) => ({ householdId, buildingId })) });
}

/** Both registers (a district's or a street's part of them), for the page. */
export async function readRegisters(db: Db, scope: Scope | null = null) {
  const [volunteers, households, grids] = await Promise.all([
    db.volunteer.findMany({ where: volunteersIn(scope), orderBy: [{ gridId: "asc" }, { id: "asc" }], include: { grid: true } }),
    db.partyHousehold.findMany({ where: householdsIn(scope), orderBy: { id: "asc" }, include: { buildings: { include: { building: true } } } }),
    db.area.findMany({ where: { AND: [{ level: { in: ["grid", "building"] } }, areasIn(scope)] }, orderBy: { id: "asc" } }),
  ]);
  return { volunteers, households, grids };
}
