// The units cases are sent to (departments, property companies, committees …), as administrators keep them; how each
// is reached is in contacts.ts.
import { refuseDuplicate, type Db } from "../db.ts";
import { checkOwnArea, unitsIn, type Scope } from "./scope.ts";
import { AppError, NotFoundError } from "../errors.ts";

export interface UnitInput {
  name: string;
  kind: string;
  areaId: number | null;
}

/** Adds a unit (in an area of the scope's); a name already used is a conflict. */
export async function createUnit(db: Db, unit: UnitInput, scope: Scope | null = null): Promise<{ id: number }> {
  await checkOwnArea(db, scope, unit.areaId);
  await refuseRoleName(db, unit.name);
  return refuseDuplicate(() => db.unit.create({ data: unit }), `已有单位“${unit.name}”`);
}

/**
 * Changes a unit; a name already used is a conflict. The responsibility list shows lead units by name, so the
 * cached list is reloaded.
 */
export async function changeUnit(deps: { db: Db; reference: { reload(): Promise<unknown> } }, id: number, changes: Partial<UnitInput>, scope: Scope | null = null): Promise<void> {
  const { db } = deps;
  if (!(await db.unit.findFirst({ where: { AND: [{ id }, unitsIn(scope)] } }))) throw NotFoundError("单位不存在");
  await checkOwnArea(db, scope, changes.areaId);
  await refuseRoleName(db, changes.name);
  await refuseDuplicate(() => db.unit.update({ where: { id }, data: changes }), `已有单位“${changes.name}”`);
  await deps.reference.reload();
}

/** The list reads a name as a role before a unit: a unit may not take a role's name (roleAdmin.ts, the other way). */
async function refuseRoleName(db: Db, name: string | undefined): Promise<void> {
  if (name && (await db.role.findUnique({ where: { name } }))) throw new AppError("conflict", 409, `“${name}”已是属地角色名称，单位须另起名称`);
}
