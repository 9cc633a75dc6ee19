// What a name in the list's 主责单位 and 配合单位 cells is: a role of the territorial list (by the role table), a
// unit, or (outside strict imports) a unit to create. A name that reads like a role ("属地…") but is none is a
// problem, never a new unit: a case must not go to a unit nobody meant.
import type { Db, Prisma } from "../db.ts";
import { unitKind } from "./apply.ts";

type Tx = Prisma.TransactionClient;

export interface KnownNames {
  units: Set<string>;
  roles: Set<string>;
}

const LOOKS_LIKE_ROLE = /^属地/;

export type NameKind = "role" | "unit" | "new" | { problem: string };

/** What the list makes of a name. */
export function nameKind(name: string, known: KnownNames, strictUnits: boolean): NameKind {
  if (known.roles.has(name)) return "role";
  if (known.units.has(name)) return "unit";
  if (LOOKS_LIKE_ROLE.test(name)) return { problem: `“${name}”不是已有的属地角色，也不是单位（角色须先在“组织与设置”中添加）` };
  if (strictUnits) return { problem: `“${name}”既不是已有的单位，也不是属地角色` };
  return "new";
}

/** Every unit's and role's name. */
export async function knownNames(db: Db | Tx): Promise<KnownNames> {
  const [units, roles] = await Promise.all([db.unit.findMany({ select: { name: true } }), db.role.findMany({ select: { name: true } })]);
  return { units: new Set(units.map((u) => u.name)), roles: new Set(roles.map((r) => r.name)) };
}

/** Rows read or written by one statement: a few thousand parameters, well inside SQLite's and PostgreSQL's limits. */
export const BATCH = 400;
export const batches = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));

/** The ids behind names: roles by the role table, units by name, the missing units created (all in a few statements). */
export async function idsByName(tx: Tx, names: string[]): Promise<{ units: Map<string, number>; roles: Map<string, number> }> {
  const roleRows = (await Promise.all(batches(names).map((b) => tx.role.findMany({ where: { name: { in: b } }, select: { id: true, name: true } })))).flat();
  const roles = new Map(roleRows.map((r) => [r.name, r.id]));
  const unitNames = names.filter((n) => !roles.has(n));
  const find = async (list: string[]) => (await Promise.all(batches(list).map((b) => tx.unit.findMany({ where: { name: { in: b } }, select: { id: true, name: true } })))).flat();
  const found = await find(unitNames);
  const known = new Set(found.map((u) => u.name));
  const missing = unitNames.filter((n) => !known.has(n));
  for (const b of batches(missing)) await tx.unit.createMany({ data: b.map((name) => ({ name, kind: unitKind(name) })) });
  const units = new Map([...found, ...(missing.length ? await find(missing) : [])].map((u) => [u.name, u.id]));
  return { units, roles };
}
