// The whole organisation at once (or a district's or street's part of it), for the administrators' page: areas and
// units with their contacts, and the served groups.
import type { Db } from "../db.ts";
import { areasIn, groupsIn, unitsIn, type Scope } from "./scope.ts";

/** Areas by id, units by name (with how many matters each leads), groups by id; contacts by id: those of the scope. */
export async function readOrganisation(db: Db, scope: Scope | null = null) {
  const [areas, units, groups] = await Promise.all([
    db.area.findMany({ where: areasIn(scope), orderBy: [{ id: "asc" }], include: { contacts: { orderBy: { id: "asc" } } } }),
    db.unit.findMany({ where: unitsIn(scope), orderBy: { name: "asc" }, include: { contacts: { orderBy: { id: "asc" } }, _count: { select: { ledMatters: true } } } }),
    db.chatGroup.findMany({ where: groupsIn(scope), orderBy: { id: "asc" } }),
  ]);
  return { areas, units, groups };
}
