// The units cases are sent to (departments, property companies, committees …), as administrators keep them; how each
// is reached is in contacts.ts.
import { refuseDuplicate, type Db } from "../db.ts";
import { NotFoundError } from "../errors.ts";

export interface UnitInput {
  name: string;
  kind: string;
  areaId: number | null;
}

/** Adds a unit; a name already used is a conflict. */
export async function createUnit(db: Db, unit: UnitInput): Promise<{ id: number }> {
  return refuseDuplicate(() => db.unit.create({ data: unit }), `已有单位“${unit.name}”`);
}

/**
 * Changes a unit; a name already used is a conflict. The responsibility list shows lead units by name, so the
 * cached list is reloaded.
 */
export async function changeUnit(deps: { db: Db; reference: { reload(): Promise<unknown> } }, id: number, changes: Partial<UnitInput>): Promise<void> {
  const { db } = deps;
  if (!(await db.unit.findUnique({ where: { id } }))) throw NotFoundError("单位不存在");
  await refuseDuplicate(() => db.unit.update({ where: { id }, data: changes }), `已有单位“${changes.name}”`);
  await deps.reference.reload();
}
