// rawRows.ts writes a row as Prisma's create and update would — the same columns read back the same, on either
// engine — and hands Prisma what it cannot write itself (atomic operations, relations).
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../src/db.ts";
import { insertRow, insertRowIfAbsent, updateRow } from "../src/rawRows.ts";
import { queueMessage } from "../src/outbox.ts";
import { freshDatabase, type TestDatabase } from "./helpers/database.ts";

let db: Db | null = null;
let database: TestDatabase | null = null;
afterEach(async () => {
  await db?.$disconnect();
  await database?.drop();
  db = database = null;
});
async function open() {
  database = await freshDatabase();
  db = await openDb(database.url);
  return db;
}
const at = new Date("2026-12-01T08:30:00.123Z");
const caseData = (number: string) => ({
  number,
  text: "3号楼电梯坏了",
  location: "3号楼",
  channel: "http",
  chatId: "yangguang-owners",
  isGroup: true,
  urgency: "urgent",
  status: "accepted",
  classSource: "local",
  classConfidence: 0.93,
  classRationale: "关键词：电梯",
  missingInfo: ["time"],
  unitResolution: { lead: null, cooperating: [], unresolved: [{ role: "属地物业" }] },
  responseDueAt: at,
  resolveDueAt: new Date(at.getTime() + 86400_000),
  createdAt: at,
});

describe("raw rows", () => {
  it("inserts and updates a case as Prisma does: every column reads back the same", async () => {
    const db = await open();
    const ours = await insertRow<{ id: number }>(db, "Case", caseData("2026-000001"), () => Promise.reject(new Error("fell back")));
    const prismas = await db.case.create({ data: caseData("2026-000002") });
    const read = (id: number) => db.case.findUniqueOrThrow({ where: { id } });
    const strip = ({ id: _id, number: _n, updatedAt: _u, ...rest }: Awaited<ReturnType<typeof read>>) => rest;
    expect(strip(await read(ours.id))).toEqual(strip(await read(prismas.id)));
    expect(ours).toMatchObject({ number: "2026-000001", isGroup: true, missingInfo: ["time"], responseDueAt: at });

    const change = { status: "dispatched", dispatchedAt: new Date(at.getTime() + 60_000), escalationLevel: 2 };
    const updated = await updateRow(db, "Case", ours.id, change, () => Promise.reject(new Error("fell back")));
    await db.case.update({ where: { id: prismas.id }, data: change });
    expect(updated).toMatchObject(change);
    expect(strip(await read(ours.id))).toEqual(strip(await read(prismas.id)));
  });

  it("hands Prisma an atomic operation or a relation, and refuses a row that is not there as Prisma does", async () => {
    const db = await open();
    const kase = await db.case.create({ data: caseData("2026-000003") });
    const fell: string[] = [];
    await updateRow(db, "Case", kase.id, { reworkCount: { increment: 1 } }, () => (fell.push("increment"), db.case.update({ where: { id: kase.id }, data: { reworkCount: { increment: 1 } } })));
    expect(fell).toEqual(["increment"]);
    expect((await db.case.findUniqueOrThrow({ where: { id: kase.id } })).reworkCount).toBe(1);
    await expect(updateRow(db, "Case", 999_999, { status: "closed" }, () => Promise.reject(new Error("fell back")))).rejects.toMatchObject({ code: "P2025" });
  });

  it("inserts a row with a key once: the second insert is null and leaves the first as it was, inside a transaction too", async () => {
    const db = await open();
    const message = (text: string) => ({ channel: "http", chatId: "c1", text, dedupeKey: "case:1:chase:1", createdAt: at, nextAttemptAt: at });
    const never = () => Promise.reject(new Error("fell back"));
    const first = await insertRowIfAbsent<{ id: number; text: string }>(db, "Outbox", "dedupeKey", message("第一次"), never);
    expect(first?.text).toBe("第一次");
    await db.$transaction(async (tx) => {
      expect(await insertRowIfAbsent(tx, "Outbox", "dedupeKey", message("第二次"), never)).toBeNull();
      // The transaction goes on after the refused insert (PostgreSQL aborts one after a unique violation).
      await tx.outbox.create({ data: { ...message("另一条"), dedupeKey: "case:1:chase:2" } });
    });
    expect((await db.outbox.findMany({ orderBy: { id: "asc" } })).map((o) => o.text)).toEqual(["第一次", "另一条"]);

    // queueMessage with a key answers the message queued before.
    const again = await queueMessage(db, { channel: "http", chatId: "c1", isGroup: false, text: "第三次", dedupeKey: "case:1:chase:1", now: at });
    expect(again).toMatchObject({ id: first!.id, text: "第一次" });
    expect(await db.outbox.count()).toBe(2);
  });
});
