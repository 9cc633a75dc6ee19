// The organisation held in memory (src/org/directory.ts): every message reads it, so it must never answer with what
// the database no longer holds — a moved contact, a disabled group, an area hung elsewhere — in this process at
// once, in another at its next check, and inside a transaction that changed it; and a loop in bad data must not hang
// the walk up the area tree.
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../src/db.ts";
import { contactsAtChat, directoryOf, groupAt } from "../src/org/directory.ts";
import { escalationChain, findGroup } from "../src/org/areas.ts";
import { placeChain } from "../src/org/roles.ts";
import { freshDatabase, type TestDatabase } from "./helpers/database.ts";

const open: Db[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.$disconnect();
  for (const d of databases.splice(0)) await d.drop();
});

async function client(url?: string, cacheCheckMs?: number) {
  if (!url) {
    const d = await freshDatabase();
    databases.push(d);
    url = d.url;
  }
  const db = await openDb(url, { cacheCheckMs });
  open.push(db);
  return { db, url };
}

/** A street → community → grid → building, each under the one before. */
async function tree(db: Db) {
  const street = await db.area.create({ data: { level: "street", name: "测试街道" } });
  const community = await db.area.create({ data: { level: "community", name: "测试社区", parentId: street.id } });
  const grid = await db.area.create({ data: { level: "grid", name: "测试网格", parentId: community.id } });
  const building = await db.area.create({ data: { level: "building", name: "9号楼", parentId: grid.id } });
  return { street, community, grid, building };
}

const chat = (chatId: string, isGroup = false) => ({ channel: "simulator", chatId, isGroup });

describe("the directory", () => {
  it("walks from a building up to the street, the building read on its own", async () => {
    const { db } = await client();
    const t = await tree(db);
    expect((await placeChain(db, { buildingId: t.building.id, gridId: t.grid.id })).map((a) => a.name)).toEqual(["9号楼", "测试网格", "测试社区", "测试街道", ...(await above(db, t.street.id))]);
    expect((await directoryOf(db)).areas.has(t.building.id)).toBe(false);
    const chain = await escalationChain(db, t.grid.id);
    expect(chain.slice(0, 2)).toEqual([t.community.id, t.street.id]);
  });

  it("ends the walk where bad data loops, rather than hanging", async () => {
    const { db } = await client();
    const a = await db.area.create({ data: { level: "community", name: "甲社区" } });
    const b = await db.area.create({ data: { level: "street", name: "乙街道", parentId: a.id } });
    await db.area.update({ where: { id: a.id }, data: { parentId: b.id } });
    const grid = await db.area.create({ data: { level: "grid", name: "环网格", parentId: a.id } });
    expect(await escalationChain(db, grid.id)).toEqual([a.id, b.id]);
    expect((await placeChain(db, { buildingId: null, gridId: grid.id })).map((x) => x.id)).toEqual([grid.id, a.id, b.id]);
  });

  it("sees a contact moved, a group disabled and an area hung elsewhere at once in this process", async () => {
    const { db } = await client();
    const t = await tree(db);
    const unit = await db.unit.create({ data: { name: "测试物业", kind: "property" } });
    const contact = await db.unitContact.create({ data: { unitId: unit.id, kind: "room", channel: "simulator", address: "room-a" } });
    const group = await db.chatGroup.create({ data: { channel: "simulator", chatId: "g-1", name: "测试业主群", gridId: t.grid.id } });
    expect(contactsAtChat((await directoryOf(db)).unitContactsAt, chat("room-a", true)).map((c) => c.unitId)).toEqual([unit.id]);
    // A room is not a person's chat.
    expect(contactsAtChat((await directoryOf(db)).unitContactsAt, chat("room-a", false))).toEqual([]);
    expect((await findGroup(db, { channel: "simulator", chatId: "g-1", chatName: null }))?.id).toBe(group.id);

    await db.unitContact.update({ where: { id: contact.id }, data: { address: "room-b" } });
    await db.chatGroup.update({ where: { id: group.id }, data: { enabled: false } });
    const other = await db.area.create({ data: { level: "community", name: "另一社区", parentId: t.street.id } });
    await db.area.update({ where: { id: t.grid.id }, data: { parentId: other.id } });

    const d = await directoryOf(db);
    expect(contactsAtChat(d.unitContactsAt, chat("room-a", true))).toEqual([]);
    expect(contactsAtChat(d.unitContactsAt, chat("room-b", true)).map((c) => c.unitId)).toEqual([unit.id]);
    expect(groupAt(d, { channel: "simulator", chatId: "g-1", chatName: "测试业主群" })).toBeNull();
    expect((await escalationChain(db, t.grid.id))[0]).toBe(other.id);
  });

  it("finds a group by its name when its room id changed, the oldest of that name", async () => {
    const { db } = await client();
    const first = await db.chatGroup.create({ data: { channel: "simulator", chatId: "old-id", name: "幸福小区业主群" } });
    await db.chatGroup.create({ data: { channel: "simulator", chatId: "other-id", name: "幸福小区业主群" } });
    await db.chatGroup.create({ data: { channel: "wechaty", chatId: "x", name: "幸福小区业主群" } });
    expect((await findGroup(db, { channel: "simulator", chatId: "new-id", chatName: "幸福小区业主群" }))?.id).toBe(first.id);
    expect(await findGroup(db, { channel: "simulator", chatId: "new-id", chatName: "别的群" })).toBeNull();
  });

  it("sees another process's change at its next check", async () => {
    const { db: mine, url } = await client(undefined, 0);
    const { db: other } = await client(url);
    const unit = await other.unit.create({ data: { name: "区水务局", kind: "department" } });
    expect(contactsAtChat((await directoryOf(mine)).unitContactsAt, chat("wx-1"))).toEqual([]);
    await other.unitContact.create({ data: { unitId: unit.id, kind: "contact", channel: "simulator", address: "wx-1" } });
    expect(contactsAtChat((await directoryOf(mine)).unitContactsAt, chat("wx-1")).map((c) => c.unitId)).toEqual([unit.id]);
  });

  it("inside a transaction that changed it, reads what the transaction wrote, and keeps nothing of it after a rollback", async () => {
    const { db } = await client();
    const t = await tree(db);
    await expect(
      db.$transaction(async (tx) => {
        const moved = await tx.area.create({ data: { level: "community", name: "临时社区", parentId: t.street.id } });
        await tx.area.update({ where: { id: t.grid.id }, data: { parentId: moved.id } });
        expect((await escalationChain(tx, t.grid.id))[0]).toBe(moved.id);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect((await escalationChain(db, t.grid.id))[0]).toBe(t.community.id);
    expect([...(await directoryOf(db)).areas.values()].some((a) => a.name === "临时社区")).toBe(false);
  });

  it("is frozen: no reader can change what the next one gets", async () => {
    const { db } = await client();
    const unit = await db.unit.create({ data: { name: "冻结测试单位" } });
    const d = await directoryOf(db);
    expect(() => {
      (d.units.get(unit.id) as { name: string }).name = "改过的名字";
    }).toThrow(TypeError);
    expect((await directoryOf(db)).units.get(unit.id)?.name).toBe("冻结测试单位");
  });
});

/** The areas above a street in the seeded data (a district and a city, or none). */
async function above(db: Db, streetId: number): Promise<string[]> {
  const out: string[] = [];
  let a = await db.area.findUnique({ where: { id: streetId } });
  while (a?.parentId) {
    a = await db.area.findUnique({ where: { id: a.parentId } });
    if (a) out.push(a.name);
  }
  return out;
}
