// The territorial list (属地): a matter may name roles ("属地街道综合行政执法队", "小区物业") instead of units, and
// each area says which unit fills a role for it and everything below it. resolveUnits is the one answer to "which
// units does this matter reach at this place, and why": the intake, the case actions and every preview use it.
import type { Db, Prisma } from "../db.ts";
import { directoryOf } from "./directory.ts";

type Reader = Db | Prisma.TransactionClient;

export interface RoleRef {
  id: number;
  code: string;
  name: string;
}
export interface UnitRef {
  id: number;
  name: string;
}
export interface AreaRef {
  id: number;
  name: string;
  level: string;
}

/** A matter's units as the list names them: fixed units, and roles to resolve from the place. */
export interface MatterUnits {
  leadUnit: UnitRef | null;
  leadRole: RoleRef | null;
  cooperatingUnits: UnitRef[];
  cooperatingRoles: RoleRef[];
}

/** Where a case is, as far as the areas go. */
export interface PlaceRef {
  gridId: number | null;
  buildingId: number | null;
}

/** One unit and how it was found: named by the list, filling a role for an area up the place's chain, or a worker's choice. */
export interface ResolvedUnit {
  unit: UnitRef;
  source: "fixed" | "role" | "worker";
  role?: RoleRef;
  area?: AreaRef;
}
export interface UnresolvedRole {
  slot: "lead" | "cooperating";
  role: RoleRef;
  reason: string;
}
/** What Case.unitResolution keeps. */
export interface UnitResolution {
  lead: ResolvedUnit | null;
  cooperating: ResolvedUnit[];
  unresolved: UnresolvedRole[];
}

/** Far more levels than 市 → 区 → 街道 → 社区 → 网格 → 楼栋: a guard against a parent loop in bad data. */
const MAX_DEPTH = 12;

/** The areas a place lies in, nearest first: its building (if known), grid, community, street and above. */
export async function placeChain(db: Reader, place: PlaceRef): Promise<AreaRef[]> {
  const chain: AreaRef[] = [];
  const { areas } = await directoryOf(db);
  let id = place.buildingId ?? place.gridId;
  while (id && chain.length < MAX_DEPTH && !chain.some((a) => a.id === id)) {
    // A building is read on its own (the directory keeps the areas above them).
    const area = areas.get(id) ?? (await db.area.findUnique({ where: { id }, select: { id: true, name: true, level: true, parentId: true } }));
    if (!area) break;
    chain.push({ id: area.id, name: area.name, level: area.level });
    id = area.parentId;
  }
  return chain;
}

/**
 * The units a matter reaches at a place. A fixed unit is itself; a role is filled by the nearest area up the
 * place's chain that names a unit for it. A role that cannot be filled (no place known, nobody named up the chain)
 * is never guessed: it is returned with the reason, and the case waits for a worker.
 */
export async function resolveUnits(db: Reader, matter: MatterUnits, place: PlaceRef): Promise<UnitResolution> {
  const roles = [...(matter.leadRole ? [matter.leadRole] : []), ...matter.cooperatingRoles];
  const chain = roles.length ? await placeChain(db, place) : [];
  const { roleFillers } = await directoryOf(db);
  const unresolved: UnresolvedRole[] = [];
  const fill = (role: RoleRef, slot: UnresolvedRole["slot"]): ResolvedUnit | null => {
    for (const area of chain) {
      const f = roleFillers.get(`${area.id}:${role.id}`);
      if (f) return { unit: { id: f.unit.id, name: f.unit.name }, source: "role", role, area };
    }
    const reason = chain.length
      ? `“${chain[0].name}”及其上级区域都没有指定“${role.name}”由哪个单位承担`
      : `不知道诉求在哪个楼栋或网格，无法按属地确定“${role.name}”`;
    unresolved.push({ slot, role, reason });
    return null;
  };
  const lead = matter.leadUnit ? { unit: matter.leadUnit, source: "fixed" as const } : matter.leadRole ? fill(matter.leadRole, "lead") : null;
  const cooperating: ResolvedUnit[] = [];
  const candidates = [
    ...matter.cooperatingUnits.map((unit): ResolvedUnit | null => ({ unit, source: "fixed" })),
    ...matter.cooperatingRoles.map((role) => fill(role, "cooperating")),
  ];
  // One unit once: a role filled by the lead unit, or by a unit the list names as well, adds nobody.
  for (const c of candidates) if (c && c.unit.id !== lead?.unit.id && !cooperating.some((x) => x.unit.id === c.unit.id)) cooperating.push(c);
  return { lead, cooperating, unresolved };
}

/** Whether the lead role could not be filled (the case cannot go to anyone without a worker). */
export const leadUnresolved = (r: UnitResolution) => r.unresolved.some((u) => u.slot === "lead");

/** Whether a role was involved at all (a list of fixed units needs no explanation on the timeline). */
export const involvesRoles = (r: UnitResolution) => r.unresolved.length > 0 || [r.lead, ...r.cooperating].some((u) => u?.source === "role");

/** How one unit was found, as workers read it: "属地街道综合行政执法队 → 明月街道综合行政执法队（按 明月街道 确定）". */
export function describeUnit(r: ResolvedUnit): string {
  if (r.source === "role" && r.role && r.area) return `${r.role.name} → ${r.unit.name}（按 ${r.area.name} 确定）`;
  if (r.source === "worker") return `${r.unit.name}（工作人员指定）`;
  return `${r.unit.name}（清单指定）`;
}

/** The resolution in one line for the case's timeline. */
export function resolutionNote(r: UnitResolution): string {
  const unresolved = (slot: UnresolvedRole["slot"], label: string) => r.unresolved.filter((u) => u.slot === slot).map((u) => `${label}未能确定：${u.reason}`);
  return [
    r.lead ? `主责：${describeUnit(r.lead)}` : null,
    ...unresolved("lead", "主责"),
    r.cooperating.length ? `配合：${r.cooperating.map(describeUnit).join("、")}` : null,
    ...unresolved("cooperating", "配合"),
  ]
    .filter(Boolean)
    .join("；");
}
