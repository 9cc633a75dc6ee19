// Whose part of the organisation a person sees and keeps: the one rule. An administrator of a district or a street
// (User.areaId) keeps that area and everything below it — its areas, the groups, volunteers and households of its
// grids, its units, its places and their bookings — and sees its cases (those in its grids, and those dispatched to
// its units) with their KPIs, hotspots and exports; a worker sees the cases of their grids and units; everyone else
// sees everything. Another street's case, area or unit reads exactly as one that does not exist. What is city-wide
// (accounts of administrators, the responsibility list, prompts and replies, settings, emergency rules, channels,
// API tokens) only an administrator without an area keeps (auth/sessions.ts refuses the others).
import type { Db, Prisma } from "../db.ts";
import { AuthorizationError, ValidationError } from "../errors.ts";

/** A district's or a street's administrator's area: it and what is below it, down to the grids (their buildings are theirs too). */
export interface AreaScope {
  id: number;
  level: string;
  name: string;
  /** The area and every area below it but the buildings (a city keeps hundreds of thousands; a building is in when its grid is). */
  areaIds: number[];
  /** The areas above it (its district, its city), whose units its cases may be sent to. */
  aboveIds: number[];
}

/** What a viewer may see; null for everything (an administrator without an area, a worker token). */
export interface Scope {
  /** The grids whose cases they see. */
  gridIds: number[];
  /** The units whose dispatched cases they see. */
  unitIds: number[];
  /** An administrator's district or street, which they keep; absent for a worker (who keeps no organisation). */
  area?: AreaScope;
}

/** An area and the areas below it down to the grids (null when there is no such area), level by level. */
export async function areasUnder(db: Db | Prisma.TransactionClient, areaId: number) {
  const top = await db.area.findUnique({ where: { id: areaId }, select: { id: true, level: true, name: true } });
  if (!top) return null;
  const areaIds = [top.id];
  const gridIds = top.level === "grid" ? [top.id] : [];
  let frontier = top.level === "grid" || top.level === "building" ? [] : [top.id];
  while (frontier.length) {
    const children = await db.area.findMany({ where: { parentId: { in: frontier }, level: { not: "building" } }, select: { id: true, level: true } });
    areaIds.push(...children.map((c) => c.id));
    gridIds.push(...children.filter((c) => c.level === "grid").map((c) => c.id));
    frontier = children.filter((c) => c.level !== "grid").map((c) => c.id);
  }
  return { top, areaIds, gridIds };
}

/** The scope of an administrator of `areaId`: its areas down to the grids, and the units in them. */
export async function areaScope(db: Db | Prisma.TransactionClient, areaId: number): Promise<Scope> {
  const under = await areasUnder(db, areaId);
  // An area an administrator is scoped to cannot be deleted (onDelete: Restrict); should it vanish, they see nothing.
  if (!under) return { gridIds: [], unitIds: [], area: { id: areaId, level: "", name: "", areaIds: [], aboveIds: [] } };
  const { top, areaIds, gridIds } = under;
  const aboveIds: number[] = [];
  for (let a = await db.area.findUnique({ where: { id: top.id } }); a?.parentId && aboveIds.length < 10; a = await db.area.findUnique({ where: { id: a.parentId } })) aboveIds.push(a.parentId);
  const scope: Scope = { gridIds, unitIds: [], area: { id: top.id, level: top.level, name: top.name, areaIds, aboveIds } };
  scope.unitIds = (await db.unit.findMany({ where: { area: areasIn(scope) }, select: { id: true } })).map((u) => u.id);
  return scope;
}

/** The scope of a signed-in person: a worker's grids and units, an administrator's area, or null (everything). */
export async function scopeOf(db: Db, u: { role: string; gridIds: unknown; unitIds: unknown; areaId: number | null }): Promise<Scope | null> {
  if (u.role === "admin") return u.areaId ? areaScope(db, u.areaId) : null;
  return { gridIds: (u.gridIds as number[]) ?? [], unitIds: (u.unitIds as number[]) ?? [] };
}

// ---- the rule as filters: every route that lists or changes organisation goes through these ----

/** The areas in a scope (all without one): the area, what is below it, and the buildings of its grids. */
export function areasIn(scope: Scope | null): Prisma.AreaWhereInput {
  if (!scope?.area) return {};
  return { OR: [{ id: { in: scope.area.areaIds } }, { level: "building", parentId: { in: scope.gridIds } }] };
}
/** Units in the scope's areas. */
export const unitsIn = (scope: Scope | null): Prisma.UnitWhereInput => (scope?.area ? { area: areasIn(scope) } : {});
/**
 * The units a viewer is offered to send a case to (the pickers): everyone's for most; a district's or a street's
 * administrator's own, those of the district and city above them, and those of no area (a city-wide company) — not
 * another street's.
 */
export const unitsOffered = (scope: Scope | null): Prisma.UnitWhereInput =>
  scope?.area ? { OR: [{ areaId: null }, { areaId: { in: scope.area.aboveIds } }, unitsIn(scope)] } : {};
/** Served groups of the scope's grids. */
export const groupsIn = (scope: Scope | null): Prisma.ChatGroupWhereInput => (scope?.area ? { gridId: { in: scope.gridIds } } : {});
/** Volunteers of the scope's grids. */
export const volunteersIn = (scope: Scope | null): Prisma.VolunteerWhereInput => (scope?.area ? { gridId: { in: scope.gridIds } } : {});
/** 党员中心户 who look after a building of the scope. */
export const householdsIn = (scope: Scope | null): Prisma.PartyHouseholdWhereInput => (scope?.area ? { buildings: { some: { building: areasIn(scope) } } } : {});
/** Service places of the scope's areas. */
export const placesIn = (scope: Scope | null): Prisma.ServicePlaceWhereInput => (scope?.area ? { area: areasIn(scope) } : {});

/** The service places a district's or a street's administrator keeps (their bookings too); undefined: every place. */
export async function placeIdsIn(db: Db | Prisma.TransactionClient, scope: Scope | null): Promise<number[] | undefined> {
  if (!scope?.area) return undefined;
  return (await db.servicePlace.findMany({ where: placesIn(scope), select: { id: true } })).map((p) => p.id);
}

/** Whether an area id is in the scope (a building: when its grid is). */
export async function hasArea(db: Db | Prisma.TransactionClient, scope: Scope | null, id: number): Promise<boolean> {
  return Boolean(await db.area.findFirst({ where: { AND: [{ id }, areasIn(scope)] }, select: { id: true } }));
}

/**
 * Where a district's or a street's administrator puts something (a unit, a place), it is an area of theirs: one
 * elsewhere, one that does not exist and none at all read alike. Without an area, anything goes (the database
 * checks that it exists). `areaId` undefined: not being changed.
 */
export async function checkOwnArea(db: Db | Prisma.TransactionClient, scope: Scope | null, areaId: number | null | undefined, message = "请选择所属区域"): Promise<void> {
  if (!scope?.area || areaId === undefined) return;
  if (!areaId || !(await hasArea(db, scope, areaId))) throw ValidationError(message, { field: "areaId" });
}

/**
 * The accounts an administrator keeps: every one (the city's), or the workers whose grids and units are all in
 * their district or street. Administrators' accounts are the city's.
 */
export function keepsAccount(scope: Scope | null, u: { role: string; gridIds: unknown; unitIds: unknown }): boolean {
  if (!scope?.area) return true;
  const grids = (u.gridIds as number[]) ?? [];
  const units = (u.unitIds as number[]) ?? [];
  return u.role === "worker" && grids.length + units.length > 0 && givesOwn(scope, grids, units);
}

/** Grids and units an administrator gives a worker are their own (another street's reads as one that does not exist). */
export function givesOwn(scope: Scope | null, gridIds: number[], unitIds: number[]): boolean {
  return !scope?.area || (gridIds.every((id) => scope.gridIds.includes(id)) && unitIds.every((id) => scope.unitIds.includes(id)));
}

/** What only an administrator without an area may do (what is city-wide). */
export const CITY_WIDE_ONLY = "该功能由市级管理员统一管理";
export function refuseAreaAdmin(scope: Scope | null): void {
  if (scope?.area) throw AuthorizationError(CITY_WIDE_ONLY);
}
