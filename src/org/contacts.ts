// How the service reaches an area, a unit or a service place's staff (a work group, a person, a webhook, a phone
// number): one way to add and remove a contact for any owner, used by the administrators' routes.
import type { Db } from "../db.ts";
import { NotFoundError } from "../errors.ts";
import { areasIn, placesIn, unitsIn, type Scope } from "./scope.ts";

export type ContactOwner = "area" | "unit" | "place";

export interface ContactInput {
  kind: "room" | "contact" | "member" | "webhook" | "phone";
  channel?: string;
  address: string;
  name?: string;
}

const MISSING_OWNER: Record<ContactOwner, string> = { area: "区域不存在", unit: "单位不存在", place: "场所不存在" };

/** Adds a contact to an existing area, unit or place in the scope; a missing owner (or one outside it) is not found. */
export async function addContact(db: Db, owner: ContactOwner, ownerId: number, contact: ContactInput, scope: Scope | null = null): Promise<{ id: number }> {
  if (owner === "area") {
    if (!(await db.area.findFirst({ where: { AND: [{ id: ownerId }, areasIn(scope)] } }))) throw NotFoundError(MISSING_OWNER.area);
    return db.areaContact.create({ data: { areaId: ownerId, ...contact }, select: { id: true } });
  }
  if (owner === "place") {
    if (!(await db.servicePlace.findFirst({ where: { AND: [{ id: ownerId }, placesIn(scope)] } }))) throw NotFoundError(MISSING_OWNER.place);
    return db.placeContact.create({ data: { placeId: ownerId, ...contact }, select: { id: true } });
  }
  if (!(await db.unit.findFirst({ where: { AND: [{ id: ownerId }, unitsIn(scope)] } }))) throw NotFoundError(MISSING_OWNER.unit);
  return db.unitContact.create({ data: { unitId: ownerId, ...contact }, select: { id: true } });
}

/** Removes one contact of an area, a unit or a place in the scope; a missing one (or another's) is not found. */
export async function removeContact(db: Db, owner: ContactOwner, id: number, scope: Scope | null = null): Promise<void> {
  const { count } =
    owner === "area"
      ? await db.areaContact.deleteMany({ where: { id, area: areasIn(scope) } })
      : owner === "unit"
        ? await db.unitContact.deleteMany({ where: { id, unit: unitsIn(scope) } })
        : await db.placeContact.deleteMany({ where: { id, place: placesIn(scope) } });
  if (!count) throw NotFoundError("联系方式不存在");
}
