// The read cache (src/readCache.ts): reference data read from memory must never answer with what the database no
// longer holds — after a write in this process, after another process's write (at its next check), after a
// rolled-back transaction — and accounts and tokens are never cached at all.
import { afterEach, describe, expect, it } from "vitest";
import { openDb, readCacheOf, type Db } from "../src/db.ts";
import { freshDatabase, statementsOf, type TestDatabase } from "./helpers/database.ts";
import { loadPlaceFacts } from "../src/places/service.ts";

const open: Db[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.$disconnect();
  for (const d of databases.splice(0)) await d.drop();
});

async function database() {
  const d = await freshDatabase();
  databases.push(d);
  return d;
}
async function client(url: string, cacheCheckMs?: number, poolSize?: number) {
  const db = await openDb(url, { cacheCheckMs, poolSize });
  open.push(db);
  return db;
}

describe("the read cache", () => {
  it("answers a second read of reference data from memory, and a write in this process is read at once", async () => {
    const db = await client((await database()).url);
    const unit = await db.unit.create({ data: { name: "阳光花园物业服务中心", kind: "property" } });
    expect((await statementsOf(() => db.unit.findUnique({ where: { id: unit.id } }))).statements).toBeGreaterThan(0);
    const again = await statementsOf(() => db.unit.findUnique({ where: { id: unit.id } }));
    expect(again).toEqual({ value: expect.objectContaining({ name: "阳光花园物业服务中心" }), statements: 0 });
    await db.unit.update({ where: { id: unit.id }, data: { name: "阳光物业" } });
    expect((await db.unit.findUnique({ where: { id: unit.id } }))?.name).toBe("阳光物业");
    // A raw statement writes too.
    await db.$executeRawUnsafe(`UPDATE "Unit" SET "name" = '阳光花园物业' WHERE "id" = ${unit.id}`);
    expect((await db.unit.findUnique({ where: { id: unit.id } }))?.name).toBe("阳光花园物业");
  });

  it("sees another process's write at its next check, not before the check is due", async () => {
    const { url } = await database();
    const mine = await client(url, 60_000);
    const other = await client(url);
    const unit = await other.unit.create({ data: { name: "区城管局", kind: "department" } });
    expect((await mine.unit.findUnique({ where: { id: unit.id } }))?.name).toBe("区城管局");
    await other.unit.update({ where: { id: unit.id }, data: { name: "区城市管理局" } });
    // Within the interval the cached answer stands (that is the cache's promise: at most one interval late) …
    expect((await mine.unit.findUnique({ where: { id: unit.id } }))?.name).toBe("区城管局");
    // … and once a check is due, the other's bump of DataVersion empties it.
    const checking = await client(url, 0);
    expect((await checking.unit.findUnique({ where: { id: unit.id } }))?.name).toBe("区城市管理局");
    await other.unit.update({ where: { id: unit.id }, data: { name: "区城管执法局" } });
    expect((await checking.unit.findUnique({ where: { id: unit.id } }))?.name).toBe("区城管执法局");
  });

  it("checks for other processes' writes without a second connection: a transaction holding the only one still reads", async () => {
    // A burst's appeals wait for each other's turn (takeTurn), each holding a pool connection; the one whose turn it
    // is must not need another connection to read reference data, or every connection waits on it until it times out.
    const { url } = await database();
    const db = await client(url, 0, 1);
    const unit = await db.unit.create({ data: { name: "区住建局", kind: "department" } });
    const other = await client(url);
    await other.unit.update({ where: { id: unit.id }, data: { name: "区住房和城乡建设局" } });
    const inside = db.$transaction(async (tx) => (await tx.unit.findUnique({ where: { id: unit.id } }))?.name);
    const waited = new Promise<string>((resolve) => setTimeout(() => resolve("still waiting after 5 s"), 5000).unref());
    expect(await Promise.race([inside, waited])).toBe("区住房和城乡建设局");
    await inside.catch(() => undefined);
  });

  it("keeps nothing a rolled-back transaction wrote, and reads inside a writing transaction go to the database", async () => {
    const db = await client((await database()).url);
    const area = await db.area.create({ data: { level: "street", name: "阳光街道" } });
    await db.area.findUnique({ where: { id: area.id } });
    await expect(
      db.$transaction(async (tx) => {
        await tx.area.update({ where: { id: area.id }, data: { name: "改错的名字" } });
        // The transaction sees its own write.
        expect((await tx.area.findUnique({ where: { id: area.id } }))?.name).toBe("改错的名字");
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    // What the transaction read was not kept: the next read is the database's, with the name as it was.
    const after = await statementsOf(() => db.area.findUnique({ where: { id: area.id } }));
    expect(after.value?.name).toBe("阳光街道");
    expect(after.statements).toBeGreaterThan(0);
  });

  it("gives each reader its own copy: changing an answer does not change the next one", async () => {
    const db = await client((await database()).url);
    const area = await db.area.create({ data: { level: "grid", name: "第一网格" } });
    const first = await db.area.findUnique({ where: { id: area.id } });
    first!.name = "被改了";
    expect((await db.area.findUnique({ where: { id: area.id } }))?.name).toBe("第一网格");
  });

  it("attack: an account disabled is seen disabled at once — accounts, sessions and tokens are never cached", async () => {
    const db = await client((await database()).url);
    const user = await db.user.create({ data: { username: "worker1", displayName: "网格员", passwordHash: "x", role: "worker" } });
    await db.user.findUnique({ where: { id: user.id } });
    expect((await statementsOf(() => db.user.findUnique({ where: { id: user.id } }))).statements).toBe(1);
    await db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    expect((await db.user.findUnique({ where: { id: user.id } }))?.disabledAt).not.toBeNull();
    // Reference data that brings other data along (a unit with its cases) is not cached either.
    const unit = await db.unit.create({ data: { name: "物业", kind: "property" } });
    await db.unit.findUnique({ where: { id: unit.id }, include: { ledCases: true } });
    expect((await statementsOf(() => db.unit.findUnique({ where: { id: unit.id }, include: { ledCases: true } }))).statements).toBeGreaterThan(0);
    expect(readCacheOf(db)!.size).toBe(0);
  });

  it("makes a value from cached reads once (the places' facts, shared and frozen), and again after a write here or in another process", async () => {
    const { url } = await database();
    const mine = await client(url, 0);
    const other = await client(url);
    const place = await other.servicePlace.create({ data: { code: "P1", name: "阳光老年食堂", kind: "canteen", address: "阳光花园3号楼" } });
    const first = await loadPlaceFacts(mine);
    expect(first.map((p) => p.name)).toEqual(["阳光老年食堂"]);
    expect(await loadPlaceFacts(mine)).toBe(first);
    expect(Object.isFrozen(first[0])).toBe(true);
    expect(() => (first[0] as { name: string }).name = "改了").toThrow(TypeError);
    // Another process's write is seen at the next check (every read checks here: cacheCheckMs 0).
    await other.placeService.create({ data: { placeId: place.id, name: "助餐" } });
    const second = await loadPlaceFacts(mine);
    expect(second).not.toBe(first);
    expect(second[0].services.map((s) => s.name)).toEqual(["助餐"]);
    // This process's own write, at once.
    await mine.servicePlace.update({ where: { id: place.id }, data: { active: false } });
    expect(await loadPlaceFacts(mine)).toEqual([]);
  });
});
