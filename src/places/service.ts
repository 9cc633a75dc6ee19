// Service places as administrators keep them (name, kind, address, areas served, hours, phone, services with
// prices and whether they take bookings): the one input shape (routes, import and seed), and create, change,
// save many at once (an import), list. A place is deactivated, never deleted: bookings refer to it.
import { z } from "zod";
import { readCacheOf, refuseDuplicate, type Db, type Prisma } from "../db.ts";
import { AppError, NotFoundError, ValidationError } from "../errors.ts";
import { KIND_LABELS, PLACE_KINDS } from "./kinds.ts";
import { dayHours, readDayHours, readWeekHours, weekHours } from "./hours.ts";
import type { PlaceFacts } from "./answers.ts";
import { areasIn, checkOwnArea, placesIn, type Scope } from "../org/scope.ts";
import { rowIdValue } from "../http/ids.ts";

const text = (max: number) => z.string().trim().max(max);
export const placeServiceSchema = z.object({
  name: text(40).min(1, "服务名称不能为空"),
  price: text(60).default(""),
  bookable: z.boolean().default(false),
  durationMinutes: z.number().int().min(5).max(24 * 60).default(60),
  description: text(300).default(""),
  active: z.boolean().default(true),
});
export const placeSchema = z.object({
  code: z.string().trim().regex(/^[A-Za-z0-9_-]{2,32}$/, "编码为 2–32 位字母、数字、_ 或 -"),
  name: text(60).min(1, "名称不能为空"),
  kind: z.enum(PLACE_KINDS, { error: `类型应为 ${PLACE_KINDS.map((k) => KIND_LABELS[k]).join("、")} 之一` }),
  address: text(200).min(1, "请填写地址"),
  phone: z.union([z.literal(""), z.string().trim().regex(/^[0-9][0-9-]{2,19}$/, "电话应为数字和 -，如 0571-86001234")]).default(""),
  aliases: z.array(text(30).min(1)).max(20).default([]),
  areaId: rowIdValue.nullable().default(null),
  servedAreaIds: z.array(rowIdValue).max(50).default([]),
  hours: weekHours.default({ mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }),
  holidayHours: dayHours.default([]),
  note: text(500).default(""),
  active: z.boolean().default(true),
  services: z
    .array(placeServiceSchema)
    .max(50)
    .default([])
    .refine((s) => new Set(s.map((x) => x.name)).size === s.length, { message: "同一场所的服务名称不能重复" }),
});
export type PlaceInput = z.infer<typeof placeSchema>;
export const placeUpdateSchema = placeSchema.omit({ code: true }).partial();
export type PlaceChanges = z.infer<typeof placeUpdateSchema>;

const include = { services: { orderBy: { id: "asc" } }, contacts: { orderBy: { id: "asc" } }, area: true } as const satisfies Prisma.ServicePlaceInclude;
export type PlaceRecord = Prisma.ServicePlaceGetPayload<{ include: typeof include }>;

/** Every place (or the active ones) of the scope (org/scope.ts), with services, contacts and its area. */
export function listPlaces(db: Db, opts: { activeOnly?: boolean; scope?: Scope | null } = {}): Promise<PlaceRecord[]> {
  return db.servicePlace.findMany({ where: { ...(opts.activeOnly ? { active: true } : {}), ...placesIn(opts.scope ?? null) }, orderBy: { id: "asc" }, include });
}

/**
 * The areas a place names must exist (for a district's or a street's administrator: be theirs, and a place of theirs
 * has an area); every unknown id is named, another street's alike.
 */
async function checkAreas(db: Db | Prisma.TransactionClient, input: { areaId?: number | null; servedAreaIds?: number[] }, scope: Scope | null = null): Promise<void> {
  await checkOwnArea(db, scope, input.areaId);
  const ids = [...new Set([...(input.areaId ? [input.areaId] : []), ...(input.servedAreaIds ?? [])])];
  if (!ids.length) return;
  const found = new Set((await db.area.findMany({ where: { AND: [{ id: { in: ids } }, areasIn(scope)] }, select: { id: true } })).map((a) => a.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) throw ValidationError(`区域 ${missing.join("、")} 不存在`, { field: "areaId" });
}

/** A place's own columns from the input (services are rows of their own). */
function fields<T extends Partial<PlaceInput>>(input: T): Omit<T, "services" | "code"> {
  const { services: _s, code: _c, ...rest } = input;
  return rest;
}

/** The place's services become `services`: same names are changed, new ones added, missing ones deactivated. */
async function replaceServices(tx: Prisma.TransactionClient, placeId: number, services: PlaceInput["services"]): Promise<void> {
  for (const s of services) await tx.placeService.upsert({ where: { placeId_name: { placeId, name: s.name } }, create: { ...s, placeId }, update: s });
  await tx.placeService.updateMany({ where: { placeId, name: { notIn: services.map((s) => s.name) } }, data: { active: false } });
}

/** Adds a place with its services; a code already used is a conflict. */
export async function createPlace(db: Db, input: PlaceInput, scope: Scope | null = null): Promise<{ id: number }> {
  await checkAreas(db, input, scope);
  return refuseDuplicate(
    () => db.servicePlace.create({ data: { ...fields(input), code: input.code, services: { create: input.services } }, select: { id: true } }),
    `已有编码为“${input.code}”的场所`,
  );
}

/** Changes a place; `services`, when given, is the whole new set. */
export async function changePlace(db: Db, id: number, changes: PlaceChanges, scope: Scope | null = null): Promise<void> {
  if (!(await db.servicePlace.findFirst({ where: { AND: [{ id }, placesIn(scope)] } }))) throw NotFoundError("场所不存在");
  await checkAreas(db, changes, scope);
  await db.$transaction(async (tx) => {
    await tx.servicePlace.update({ where: { id }, data: fields(changes) });
    if (changes.services) await replaceServices(tx, id, changes.services);
  });
}

/** Saves places by code in one transaction (an import): new codes added, known ones changed; counts both. */
export async function savePlaces(db: Db, inputs: PlaceInput[], scope: Scope | null = null): Promise<{ added: number; changed: number }> {
  for (const input of inputs) await checkAreas(db, input, scope);
  return db.$transaction(async (tx) => {
    let added = 0;
    for (const input of inputs) {
      const known = await tx.servicePlace.findUnique({ where: { code: input.code } });
      // Another street's place is not theirs to overwrite: its code is taken, as when they add one by hand.
      if (known && scope?.area && !(await tx.servicePlace.findFirst({ where: { AND: [{ id: known.id }, placesIn(scope)] } }))) {
        throw new AppError("conflict", 409, `已有编码为“${input.code}”的场所`);
      }
      const place = await tx.servicePlace.upsert({ where: { code: input.code }, create: { ...fields(input), code: input.code }, update: fields(input) });
      await replaceServices(tx, place.id, input.services);
      if (!known) added++;
    }
    return { added, changed: inputs.length - added };
  });
}

/** A place as the API and the console show it. */
export function presentPlace(p: PlaceRecord) {
  return {
    id: p.id, code: p.code, name: p.name, kind: p.kind, address: p.address, phone: p.phone,
    aliases: Array.isArray(p.aliases) ? (p.aliases as string[]) : [],
    areaId: p.areaId, areaName: p.area?.name ?? null,
    servedAreaIds: Array.isArray(p.servedAreaIds) ? (p.servedAreaIds as number[]) : [],
    hours: readWeekHours(p.hours), holidayHours: readDayHours(p.holidayHours), note: p.note, active: p.active,
    services: p.services.map((s) => ({ id: s.id, name: s.name, price: s.price, bookable: s.bookable, durationMinutes: s.durationMinutes, description: s.description, active: s.active })),
    contacts: p.contacts.map((c) => ({ id: c.id, kind: c.kind, channel: c.channel, address: c.address, name: c.name })),
    updatedAt: p.updatedAt,
  };
}
export type PresentedPlace = ReturnType<typeof presentPlace>;

/** The active places and their active services, as the bot's answers read them. */
export function loadPlaceFacts(db: Db): Promise<PlaceFacts[]> {
  // Every message for the bot asks (a booking? a question about a place?): made once per change of the places.
  const cache = readCacheOf(db);
  return cache ? cache.derived("placeFacts", () => readPlaceFacts(db)) : readPlaceFacts(db);
}

async function readPlaceFacts(db: Db): Promise<PlaceFacts[]> {
  const places = await db.servicePlace.findMany({ where: { active: true }, orderBy: { id: "asc" }, include: { services: { where: { active: true }, orderBy: { id: "asc" } } } });
  return places.map((p) => {
    const shown = presentPlace({ ...p, contacts: [], area: null });
    return {
      id: p.id, code: p.code, name: p.name, kind: p.kind, address: p.address, phone: p.phone, aliases: shown.aliases,
      areaIds: [...(p.areaId ? [p.areaId] : []), ...shown.servedAreaIds],
      week: shown.hours, holiday: shown.holidayHours,
      services: p.services.map((s) => ({ name: s.name, price: s.price, bookable: s.bookable, id: s.id, durationMinutes: s.durationMinutes })),
    };
  });
}
