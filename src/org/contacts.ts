// How the service reaches an area or a unit (a work group, a person, a webhook, a phone number): one way to add and
// remove a contact for either owner, used by the administrators' routes.
import type { Db } from "../db.ts";
import { NotFoundError } from "../errors.ts";

export type ContactOwner = "area" | "unit";

export interface ContactInput {
  kind: "room" | "contact" | "member" | "webhook" | "phone";
  channel?: string;
  address: string;
  name?: string;
}

const MISSING_OWNER: Record<ContactOwner, string> = { area: "区域不存在", unit: "单位不存在" };

/** Adds a contact to an existing area or unit; a missing owner is not found. */
export async function addContact(db: Db, owner: ContactOwner, ownerId: number, contact: ContactInput): Promise<{ id: number }> {
  if (owner === "area") {
    if (!(await db.area.findUnique({ where: { id: ownerId } }))) throw NotFoundError(MISSING_OWNER.area);
    return db.areaContact.create({ data: { areaId: ownerId, ...contact }, select: { id: true } });
  }
  if (!(await db.unit.findUnique({ where: { id: ownerId } }))) throw NotFoundError(MISSING_OWNER.unit);
  return db.unitContact.create({ data: { unitId: ownerId, ...contact }, select: { id: true } });
}

/** Removes one contact of an area or a unit; a missing one is not found. */
export async function removeContact(db: Db, owner: ContactOwner, id: number): Promise<void> {
  const { count } = owner === "area" ? await db.areaContact.deleteMany({ where: { id } }) : await db.unitContact.deleteMany({ where: { id } });
  if (!count) throw NotFoundError("联系方式不存在");
}
