// The area hierarchy (市 → 区 → 街道 → 社区 → 网格 → 楼栋): as the follow-up and the intake walk it (the areas above a
// grid, the served group a message came from, the building and grid an appeal names), and as administrators keep it.
import { refuseDuplicate, type Db, type Prisma } from "../db.ts";
import { buildingMention, findLocation } from "../domain/location.ts";
import { AppError, AuthorizationError, NotFoundError, ValidationError } from "../errors.ts";
import { directoryOf, groupAt } from "./directory.ts";
import { areasIn, type Scope } from "./scope.ts";

export const AREA_LEVELS = ["city", "district", "street", "community", "grid", "building"] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];
/** What people call each level. */
export const LEVEL_LABELS = { city: "市", district: "区", street: "街道", community: "社区", grid: "网格", building: "楼栋" } as const;
/** The level an area of each level hangs under. */
const PARENT_LEVEL = { city: null, district: "city", street: "district", community: "street", grid: "community", building: "grid" } as const;
/** Levels that may be the top of what is kept: an organisation may keep no city, or no district (a street alone, as before 区 and 市 were kept). */
const MAY_BE_TOP: ReadonlySet<AreaLevel> = new Set(["city", "district", "street"]);

/** Where an appeal is. */
export interface Place {
  location: string | null;
  buildingId: number | null;
  gridId: number | null;
}

/**
 * The areas above a case's grid, nearest first (community, street, district, city); without a grid, the area of
 * its lead unit (`unitAreaId`, when it has one) and those above it; without either, the first street.
 */
export async function escalationChain(db: Db | Prisma.TransactionClient, gridId: number | null, unitAreaId: number | null = null): Promise<number[]> {
  const { areas, firstStreetId } = await directoryOf(db);
  const chain: number[] = [];
  let area = gridId ? areas.get(gridId) : unitAreaId ? areas.get(unitAreaId) : undefined;
  if (area && !gridId) chain.push(area.id);
  // A loop in bad data ends where it comes round again.
  while (area?.parentId && !chain.includes(area.parentId)) {
    area = areas.get(area.parentId);
    if (area) chain.push(area.id);
  }
  if (chain.length === 0 && firstStreetId !== null) chain.push(firstStreetId);
  return chain;
}

/** For each grid, the area of `level` above it (its street, its district …), for KPIs that roll up. */
export async function gridsAbove(db: Db, level: AreaLevel): Promise<Map<number, { id: number; name: string }>> {
  const areas = new Map((await db.area.findMany({ where: { level: { not: "building" } }, select: { id: true, name: true, level: true, parentId: true } })).map((a) => [a.id, a]));
  const out = new Map<number, { id: number; name: string }>();
  for (const grid of areas.values()) {
    if (grid.level !== "grid") continue;
    for (let a = areas.get(grid.parentId ?? -1), depth = 0; a && depth < AREA_LEVELS.length; a = areas.get(a.parentId ?? -1), depth++) {
      if (a.level === level) {
        out.set(grid.id, { id: a.id, name: a.name });
        break;
      }
    }
  }
  return out;
}

/** The served group a message came from: by its chat id, or by its name (room ids change when WeChat logs in again). */
export async function findGroup(db: Db, row: { channel: string; chatId: string; chatName: string | null }) {
  return groupAt(await directoryOf(db), row);
}

/** Where an appeal is: the place words in the text, the building they name, and the grid (the group's, else the building's). */
export async function placeOf(db: Db, text: string, group: { gridId: number | null } | null): Promise<Place> {
  const location = findLocation(text);
  const said = buildingMention(text);
  let building: { id: number; parentId: number | null } | null = null;
  if (said) {
    const n = said.number;
    const names = [`${n}号楼`, `${n}栋`, `${n}幢`, `${n}座`];
    const candidates = await db.area.findMany({
      where: { level: "building", name: { in: names }, ...(group?.gridId ? { parentId: group.gridId } : {}) },
    });
    // "3号楼" is the 3号楼 rather than another compound's 3栋, when both exist.
    const exact = candidates.filter((c) => c.name === `${n}${said.word}`);
    const pick = exact.length === 1 ? exact : candidates;
    if (pick.length === 1) building = pick[0];
  }
  return { location, buildingId: building?.id ?? null, gridId: group?.gridId ?? building?.parentId ?? null };
}

/**
 * The parent must exist and sit one level up; a city has none, and a district or a street may have none. An
 * administrator of a district or a street names a parent in it (one elsewhere reads as one that does not exist), and
 * adds nothing at the top.
 */
async function checkParent(db: Db, level: AreaLevel, parentId: number | null, scope: Scope | null): Promise<void> {
  const want = PARENT_LEVEL[level];
  if (!want) {
    if (parentId) throw ValidationError(`${LEVEL_LABELS[level]}没有上级区域`, { field: "parentId" });
    if (scope?.area) throw ValidationError(`请选择上级区域`, { field: "parentId" });
    return;
  }
  if (!parentId && MAY_BE_TOP.has(level) && !scope?.area) return;
  const parent = parentId ? await db.area.findFirst({ where: { AND: [{ id: parentId }, areasIn(scope)] } }) : null;
  if (!parent || parent.level !== want) throw ValidationError(`请选择上级${LEVEL_LABELS[want]}`, { field: "parentId" });
}

/** An area the administrator may change: in their scope (else not found) and below their own area (the level above keeps that). */
async function keptArea(db: Db, id: number, scope: Scope | null) {
  const area = await db.area.findFirst({ where: { AND: [{ id }, areasIn(scope)] } });
  if (!area) throw NotFoundError("区域不存在");
  if (area.id === scope?.area?.id) throw AuthorizationError(`${area.name}由上级管理员维护，只能修改其下级区域`);
  return area;
}

/** Adds an area under a parent one level up; a name its parent already has is a conflict. */
export async function createArea(db: Db, area: { level: AreaLevel; name: string; parentId: number | null }, scope: Scope | null = null) {
  await checkParent(db, area.level, area.parentId, scope);
  return refuseDuplicate(() => db.area.create({ data: area }), `同一上级下已有“${area.name}”`);
}

/** Renames an area or moves it under another parent of the level above. */
export async function changeArea(db: Db, id: number, changes: { name?: string; parentId?: number | null }, scope: Scope | null = null): Promise<void> {
  const area = await keptArea(db, id, scope);
  if (changes.parentId !== undefined) await checkParent(db, area.level as AreaLevel, changes.parentId, scope);
  await refuseDuplicate(() => db.area.update({ where: { id }, data: changes }), `同一上级下已有“${changes.name}”`);
}

/**
 * Deletes an area nothing hangs on; one with sub-areas, groups, units, cases or the administrators scoped to it is
 * refused, naming what it still has.
 */
export async function deleteArea(db: Db, id: number, scope: Scope | null = null): Promise<void> {
  await keptArea(db, id, scope);
  const area = await db.area.findUniqueOrThrow({ where: { id }, include: { _count: { select: { children: true, groups: true, units: true, casesInGrid: true, casesInBuilding: true, admins: true } } } });
  const c = area._count;
  if (c.children || c.groups || c.units || c.casesInGrid || c.casesInBuilding || c.admins) {
    throw new AppError("in_use", 409, `“${area.name}”仍有${[c.children && "下级区域", c.groups && "群", c.units && "单位", (c.casesInGrid || c.casesInBuilding) && "工单", c.admins && "管理员"].filter(Boolean).join("、")}，不能删除`);
  }
  await db.area.delete({ where: { id } });
}
