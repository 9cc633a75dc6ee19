// The roles of the territorial list as administrators keep them: the roles themselves (a name never a unit's; the
// city's, like the list), and which unit fills each role in which area (one per area and role; the areas below
// inherit it) — a district's or a street's administrator names fillers in their own areas, with their own units
// (org/scope.ts). How a case's units follow from them is roles.ts.
import { refuseDuplicate, type Db } from "../db.ts";
import { AppError, NotFoundError, ValidationError } from "../errors.ts";
import { placeChain } from "./roles.ts";
import { areasIn, hasArea, unitsIn, type Scope } from "./scope.ts";

export interface RoleInput {
  code: string;
  name: string;
  description: string;
}

/**
 * Every role with how many matters name it, and its fillers (area and unit), in a stable order. A district's or a
 * street's administrator sees the fillers in their areas and in the areas above theirs (which theirs inherit).
 */
export async function listRoles(db: Db, scope: Scope | null = null) {
  const above = scope?.area ? (await placeChain(db, { gridId: scope.area.id, buildingId: null })).slice(1).map((a) => a.id) : [];
  const where = scope?.area ? { area: { OR: [areasIn(scope), { id: { in: above } }] } } : {};
  return db.role.findMany({
    orderBy: { id: "asc" },
    include: {
      fillers: { where, orderBy: [{ areaId: "asc" }], include: { unit: { select: { id: true, name: true } }, area: { select: { id: true, name: true, level: true } } } },
      _count: { select: { ledMatters: true, cooperatingIn: true } },
    },
  });
}

/** A name the list reads as a role must not be a unit's too (and the other way round: units.ts). */
async function refuseUnitName(db: Db, name: string | undefined): Promise<void> {
  if (name && (await db.unit.findUnique({ where: { name } }))) throw new AppError("conflict", 409, `“${name}”已是单位名称，角色须另起名称`);
}

/** Adds a role; a code or name already used is a conflict. */
export async function createRole(deps: { db: Db; reference: { reload(): Promise<unknown> } }, role: RoleInput): Promise<{ id: number }> {
  await refuseUnitName(deps.db, role.name);
  const created = await refuseDuplicate(() => deps.db.role.create({ data: role }), `已有编码为 ${role.code} 或名称为“${role.name}”的角色`);
  await deps.reference.reload();
  return created;
}

/** Renames or redescribes a role; the list shows roles by name, so the cached list is reloaded. */
export async function changeRole(deps: { db: Db; reference: { reload(): Promise<unknown> } }, id: number, changes: Partial<Omit<RoleInput, "code">>): Promise<void> {
  if (!(await deps.db.role.findUnique({ where: { id } }))) throw NotFoundError("角色不存在");
  await refuseUnitName(deps.db, changes.name);
  await refuseDuplicate(() => deps.db.role.update({ where: { id }, data: changes }), `已有名称为“${changes.name}”的角色`);
  await deps.reference.reload();
}

/** Deletes a role no matter names; one the list still uses is refused, saying how many matters. */
export async function deleteRole(db: Db, id: number): Promise<void> {
  const role = await db.role.findUnique({ where: { id }, include: { _count: { select: { ledMatters: true, cooperatingIn: true } } } });
  if (!role) throw NotFoundError("角色不存在");
  const uses = role._count.ledMatters + role._count.cooperatingIn;
  if (uses) throw new AppError("in_use", 409, `职责清单中仍有 ${uses} 处使用“${role.name}”，不能删除`);
  await db.role.delete({ where: { id } });
}

/**
 * Names the unit that fills a role for an area (and, unless they name their own, every area below it). Another
 * street's area or unit reads, for a street's administrator, as one that does not exist.
 */
export async function setRoleFiller(db: Db, f: { roleId: number; areaId: number; unitId: number }, scope: Scope | null = null): Promise<void> {
  const [role, area, unit] = await Promise.all([
    db.role.findUnique({ where: { id: f.roleId } }),
    db.area.findFirst({ where: { AND: [{ id: f.areaId }, areasIn(scope)] } }),
    db.unit.findFirst({ where: { AND: [{ id: f.unitId }, unitsIn(scope)] } }),
  ]);
  if (!role) throw NotFoundError("角色不存在");
  if (!area) throw ValidationError("区域不存在", { field: "areaId" });
  if (!unit) throw ValidationError("单位不存在", { field: "unitId" });
  // Two administrators naming one at once: the second is told to look again rather than a 500.
  await refuseDuplicate(
    () => db.areaRoleUnit.upsert({ where: { areaId_roleId: { areaId: f.areaId, roleId: f.roleId } }, create: f, update: { unitId: f.unitId } }),
    "刚有人修改了这一项，请刷新后再试",
  );
}

/** The area no longer names its own filler: the one above it (if any) serves it again. */
export async function removeRoleFiller(db: Db, f: { roleId: number; areaId: number }, scope: Scope | null = null): Promise<void> {
  if (!(await hasArea(db, scope, f.areaId))) throw NotFoundError("该区域没有指定这个角色的承办单位");
  const { count } = await db.areaRoleUnit.deleteMany({ where: { roleId: f.roleId, areaId: f.areaId } });
  if (!count) throw NotFoundError("该区域没有指定这个角色的承办单位");
}
