// The whole organisation at once, for the administrators' page: areas and units with their contacts, and the
// served groups.
import type { Db } from "../db.ts";

/** Areas by id, units by name (with how many matters each leads), groups by id; contacts by id. */
export async function readOrganisation(db: Db) {
  const [areas, units, groups] = await Promise.all([
    db.area.findMany({ orderBy: [{ id: "asc" }], include: { contacts: { orderBy: { id: "asc" } } } }),
    db.unit.findMany({ orderBy: { name: "asc" }, include: { contacts: { orderBy: { id: "asc" } }, _count: { select: { ledMatters: true } } } }),
    db.chatGroup.findMany({ orderBy: { id: "asc" } }),
  ]);
  return { areas, units, groups };
}
