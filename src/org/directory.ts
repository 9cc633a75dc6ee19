// The organisation as every message reads it, held in memory: the areas above the buildings, the units, who fills
// each role where, the work chats of units and service places, and the served groups. An appeal walked the area
// tree one row at a time (some twenty reads through Prisma's client, each some 50 µs of CPU even when the read
// cache answered it); here each is a map look-up. Made once per change of those tables (ReadCache.derived, which
// also sees other processes' changes), frozen so that every reader shares it. Buildings stay out: a city has
// hundreds of thousands, and a case names one, read on its own.
import { readCacheOf, type Db, type Prisma } from "../db.ts";
import { groupedBy } from "../domain/collections.ts";

type Reader = Db | Prisma.TransactionClient;
type UnitRow = Prisma.UnitGetPayload<object>;
type GroupRow = Prisma.ChatGroupGetPayload<object>;
type UnitContactRow = Prisma.UnitContactGetPayload<object>;

export interface AreaNode {
  id: number;
  name: string;
  level: string;
  parentId: number | null;
}

export interface Directory {
  /** Every area but the buildings, by id. */
  areas: ReadonlyMap<number, AreaNode>;
  /** The first street (by id): where a case with no place and no unit area escalates. */
  firstStreetId: number | null;
  units: ReadonlyMap<number, UnitRow>;
  /** Who fills each role in an area (any level, buildings too): by `${areaId}:${roleId}`. */
  roleFillers: ReadonlyMap<string, { areaId: number; roleId: number; unit: { id: number; name: string } }>;
  /** A unit's contacts, oldest first. */
  unitContacts: ReadonlyMap<number, readonly UnitContactRow[]>;
  /** The units' and the places' contacts at a chat address, oldest first (by chatKey; contactsAtChat reads them). */
  unitContactsAt: ReadonlyMap<string, readonly UnitContactRow[]>;
  placeContactsAt: ReadonlyMap<string, readonly { id: number; placeId: number; kind: string }[]>;
  /** The enabled served groups by `${channel}:${chatId}` and by `${channel}:${name}` (the oldest of a name). */
  groupsByChat: ReadonlyMap<string, GroupRow>;
  groupsByName: ReadonlyMap<string, GroupRow>;
}

/** The directory: from the read cache when the database has one, else read now. */
export function directoryOf(db: Reader): Promise<Directory> {
  const cache = readCacheOf(db);
  return cache ? cache.derived("directory", () => readDirectory(db)) : readDirectory(db);
}

const chatKey = (channel: string | null, address: string) => `${channel ?? ""}\u0000${address}`;

/**
 * The contacts a chat is: a group is a contact of kind room; a private chat is a person's (contact, or a member of
 * a WeCom app). Units' and places' work chats are found by it.
 */
export function contactsAtChat<T extends { kind: string }>(at: ReadonlyMap<string, readonly T[]>, chat: { isGroup: boolean; channel: string; chatId: string }): T[] {
  const kinds = chat.isGroup ? ["room"] : ["contact", "member"];
  return (at.get(chatKey(chat.channel, chat.chatId)) ?? []).filter((c) => kinds.includes(c.kind));
}

async function readDirectory(db: Reader): Promise<Directory> {
  const [areas, units, fillers, unitContacts, placeContacts, groups] = await Promise.all([
    db.area.findMany({ where: { level: { not: "building" } }, select: { id: true, name: true, level: true, parentId: true }, orderBy: { id: "asc" } }),
    db.unit.findMany({ orderBy: { id: "asc" } }),
    db.areaRoleUnit.findMany({ select: { areaId: true, roleId: true, unit: { select: { id: true, name: true } } } }),
    db.unitContact.findMany({ orderBy: { id: "asc" } }),
    db.placeContact.findMany({ select: { id: true, placeId: true, kind: true, channel: true, address: true }, orderBy: { id: "asc" } }),
    db.chatGroup.findMany({ where: { enabled: true }, orderBy: { id: "asc" } }),
  ]);
  const groupsByName = new Map<string, GroupRow>();
  for (const g of groups) if (!groupsByName.has(chatKey(g.channel, g.name))) groupsByName.set(chatKey(g.channel, g.name), g);
  return {
    areas: new Map(areas.map((a) => [a.id, a])),
    firstStreetId: areas.find((a) => a.level === "street")?.id ?? null,
    units: new Map(units.map((u) => [u.id, u])),
    roleFillers: new Map(fillers.map((f) => [`${f.areaId}:${f.roleId}`, f])),
    unitContacts: groupedBy(unitContacts, (c) => c.unitId),
    unitContactsAt: groupedBy(unitContacts, (c) => chatKey(c.channel, c.address)),
    placeContactsAt: groupedBy(placeContacts, (c) => chatKey(c.channel, c.address)),
    groupsByChat: new Map(groups.map((g) => [chatKey(g.channel, g.chatId), g])),
    groupsByName,
  };
}

/** The served group a chat is, by its address, else by its name (room ids change when WeChat logs in again). */
export function groupAt(d: Directory, row: { channel: string; chatId: string; chatName: string | null }): GroupRow | null {
  return d.groupsByChat.get(chatKey(row.channel, row.chatId)) ?? (row.chatName ? d.groupsByName.get(chatKey(row.channel, row.chatName)) : undefined) ?? null;
}

/** A unit by id (null when there is none). */
export async function unitById(db: Reader, id: number): Promise<UnitRow | null> {
  return (await directoryOf(db)).units.get(id) ?? null;
}
