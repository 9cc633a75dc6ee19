// rawRows.ts writes a row as Prisma's create and update would — the same columns read back the same, on either
// engine — and hands Prisma what it cannot write itself (atomic operations, relations).
import { describe, expect, it } from "vitest";
import { dbEngine, isUniqueViolation, rawSql, sqlRows, sqlRun, sqlTime, statementsSent, type Db } from "../src/db.ts";
import { insertRow, insertRowIfAbsent, updateRow } from "../src/rawRows.ts";
import { queueMessage } from "../src/outbox.ts";
import { recordEvents, updateCaseAndRecord } from "../src/cases/records.ts";
import { openCase, type OpenCaseProps } from "../src/cases/open.ts";
import { MATTER_UNITS, matterInfo } from "../src/classify/catalogue.ts";
import { officialCalendar } from "../src/domain/deadlines.ts";
import { databasePerTest } from "./helpers/database.ts";

const open = databasePerTest();
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

  it("writes events that happen together in one statement, in their order, and one by one where their columns differ", async () => {
    const db = await open();
    const kase = await db.case.create({ data: caseData("2026-000004") });
    const before = statementsSent.count;
    await recordEvents(db, kase.id, [
      { type: "opened", actor: "bot", toStatus: "accepted", data: { matterCode: "DT01" }, now: at },
      { type: "units_resolved", actor: "bot", note: "属地：阳光花园物业", data: { unresolved: 0 }, now: at },
    ]);
    expect(statementsSent.count - before).toBe(1);
    // One without data (a column left out) cannot share the statement: each is written on its own.
    await recordEvents(db, kase.id, [
      { type: "internal_note", actor: "worker", note: "已电话联系", now: at },
      { type: "public_note", actor: "worker", note: "维修人员下午到", data: { by: "网格员" }, now: at },
    ]);
    const events = await db.caseEvent.findMany({ where: { caseId: kase.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.type, e.toStatus, e.note, e.data])).toEqual([
      ["opened", "accepted", null, { matterCode: "DT01" }],
      ["units_resolved", null, "属地：阳光花园物业", { unresolved: 0 }],
      ["internal_note", null, "已电话联系", null],
      ["public_note", null, "维修人员下午到", { by: "网格员" }],
    ]);
    expect(events.every((e) => e.createdAt.getTime() === at.getTime())).toBe(true);
  });

  it("opens a case with its cooperating units and first event as Prisma reads them, on PostgreSQL in one statement for the three", async () => {
    const db = await open();
    const [lead, water, police] = await Promise.all(["区住建局", "区水务局", "派出所"].map((name) => db.unit.create({ data: { name } })));
    const matter = (code: string, cooperating: number[]) =>
      db.matter.create({ data: { code, name: `事项${code}`, leadUnitId: lead.id, cooperatingUnits: { create: cooperating.map((unitId) => ({ unitId })) } }, include: MATTER_UNITS });
    const withTwo = matterInfo(await matter("T01", [water.id, police.id]));
    const withNone = matterInfo(await matter("T02", []));
    const props = (number: string, m: typeof withTwo): OpenCaseProps => ({
      number, now: at, text: "3号楼门口水管爆了", location: "3号楼", channel: "http", chatId: "yangguang-owners", isGroup: true, residentId: null, inboundId: null,
      gridId: null, buildingId: null, matter: m, urgency: "normal", status: "accepted", missingInfo: [], calendar: officialCalendar(), listVersionId: null,
      classification: { source: "local", matterCode: m.code, confidence: 0.97, rationale: "关键词：水管" } as OpenCaseProps["classification"],
    });
    const statements = async (p: OpenCaseProps) => {
      const before = statementsSent.count;
      const kase = await db.$transaction((tx) => openCase(tx, p));
      return { kase, sent: statementsSent.count - before };
    };
    // Once each first: the units and matters are read once, then come from memory.
    await statements(props("2026-000008", withTwo));
    await statements(props("2026-000009", withNone));
    const two = await statements(props("2026-000010", withTwo));
    const none = await statements(props("2026-000011", withNone));
    // The cooperating units' insert is a statement of its own on SQLite only.
    expect(two.sent - none.sent).toBe(dbEngine(db) === "postgres" ? 0 : 1);

    const read = await db.case.findUniqueOrThrow({ where: { id: two.kase.id }, include: { cooperatingUnits: { orderBy: { unitId: "asc" } }, events: true, matter: true, leadUnit: true } });
    const { cooperatingUnits, events, ...row } = read;
    expect(two.kase).toEqual(row);
    expect(row).toMatchObject({ number: "2026-000010", status: "accepted", leadUnitId: lead.id, matterId: withTwo.id, classConfidence: 0.97, createdAt: at });
    // The units were made at once, so either may have the lower id: read in unitId order.
    expect(cooperatingUnits.map((c) => c.unitId)).toEqual([water.id, police.id].sort((a, b) => a - b));
    expect(events.map((e) => ({ type: e.type, actor: e.actor, actorId: e.actorId, fromStatus: e.fromStatus, toStatus: e.toStatus, note: e.note, createdAt: e.createdAt }))).toEqual([
      { type: "opened", actor: "bot", actorId: null, fromStatus: null, toStatus: "accepted", note: null, createdAt: at },
    ]);
    expect(events[0].data).toEqual({ inboundId: null, matterCode: "T01", classification: props("x", withTwo).classification });
    expect(await db.caseCooperatingUnit.count({ where: { caseId: none.kase.id } })).toBe(0);
  });

  it("writes a case and the event that says so together, on PostgreSQL in one statement, and neither for a case that is not there", async () => {
    const db = await open();
    const kase = await db.case.create({ data: caseData("2026-000020") });
    const later = new Date(at.getTime() + 60_000);
    const event = { type: "dispatch", actor: "bot" as const, fromStatus: "accepted", toStatus: "dispatched", note: null, data: { round: 1 }, now: later };
    const before = statementsSent.count;
    const updated = await db.$transaction((tx) => updateCaseAndRecord(tx, kase.id, { status: "dispatched", dispatchedAt: later }, event));
    expect(statementsSent.count - before).toBe(dbEngine(db) === "postgres" ? 3 : 4); // BEGIN and COMMIT with it
    const read = await db.case.findUniqueOrThrow({ where: { id: kase.id }, include: { matter: true, leadUnit: true } });
    expect(updated).toEqual(read);
    expect(read).toMatchObject({ status: "dispatched", dispatchedAt: later });
    const events = await db.caseEvent.findMany({ where: { caseId: kase.id } });
    expect(events.map((e) => [e.type, e.actor, e.actorId, e.fromStatus, e.toStatus, e.note, e.data, e.createdAt])).toEqual([["dispatch", "bot", null, "accepted", "dispatched", null, { round: 1 }, later]]);

    await expect(db.$transaction((tx) => updateCaseAndRecord(tx, 999_999, { status: "closed" }, event))).rejects.toMatchObject({ code: "P2025" });
    expect(await db.caseEvent.count()).toBe(1);
  });

  it("reads rows straight from the connection typed as Prisma's raw queries type them, in and out of a transaction", async () => {
    const db = await open();
    const kase = await db.case.create({ data: { ...caseData("2026-000005"), dispatchedAt: at, isGroup: false } });
    // A time written without a zone (SQLite's CURRENT_TIMESTAMP) is read as UTC.
    await db.$executeRawUnsafe(`UPDATE "Case" SET "updatedAt" = '2026-12-01 08:30:00' WHERE "id" = ${kase.id}`);
    const sql = `SELECT *, COUNT(*) OVER () AS "all", 'x' AS "word", NULL AS "nothing" FROM "Case" WHERE "id" = ? AND "createdAt" <= ?t`;
    const prismas = await db.$queryRawUnsafe<Record<string, unknown>[]>(rawSql(db, sql), kase.id, sqlTime(at));
    const ours = await sqlRows<Record<string, unknown>>(db, sql, kase.id, sqlTime(at));
    expect(ours).toEqual(prismas);
    expect(ours[0]).toMatchObject({ id: kase.id, isGroup: false, dispatchedAt: at, missingInfo: ["time"], classConfidence: 0.93, word: "x", nothing: null });
    expect((ours[0].updatedAt as Date).toISOString()).toBe("2026-12-01T08:30:00.000Z");
    await db.$transaction(async (tx) => {
      expect(await sqlRun(tx, `UPDATE "Case" SET "status" = ? WHERE "id" = ?`, "dispatched", kase.id)).toBe(1);
      expect((await sqlRows<{ status: string }>(tx, `SELECT "status" FROM "Case" WHERE "id" = ?`, kase.id))[0].status).toBe("dispatched");
    });
    // A unique key taken is reported as Prisma reports it.
    await expect(sqlRun(db, `INSERT INTO "Case" ("number", "text", "channel", "chatId", "isGroup", "urgency", "status", "classSource", "classConfidence", "classRationale", "missingInfo", "responseDueAt", "resolveDueAt", "createdAt", "updatedAt") SELECT "number", "text", "channel", "chatId", "isGroup", "urgency", "status", "classSource", "classConfidence", "classRationale", "missingInfo", "responseDueAt", "resolveDueAt", "createdAt", "updatedAt" FROM "Case" WHERE "id" = ?`, kase.id)).rejects.toSatisfy(isUniqueViolation);
  });

  it("runs a transaction's statements straight on the connection that transaction holds, many at once, and refuses its client once it ended", async () => {
    const db = await open();
    await sqlRun(db, `CREATE TABLE "Scratch" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL)`);
    const before = { ...statementsSent };
    let leaked: unknown = null;
    // Ten transactions at once, each writing and reading its own row; the odd ones roll back. A statement run on
    // another transaction's connection would be seen there, and kept or undone with that one.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        db.$transaction(async (tx) => {
          leaked ??= tx;
          await sqlRun(tx, `INSERT INTO "Scratch" ("id", "name") VALUES (?, ?)`, i + 1, `t${i}`);
          await new Promise((r) => setTimeout(r, 5));
          const seen = await sqlRows<{ name: string }>(tx, `SELECT "name" FROM "Scratch" WHERE "name" LIKE 't%' ORDER BY "id"`);
          if (dbEngine(db) === "postgres") {
            // The transaction's own session: the one Prisma's statements on it run in.
            const [ours] = await sqlRows<{ pid: number }>(tx, `SELECT pg_backend_pid() AS "pid"`);
            const [prismas] = await tx.$queryRawUnsafe<{ pid: number }[]>(`SELECT pg_backend_pid() AS "pid"`);
            expect(ours.pid).toBe(prismas.pid);
          }
          // Its own row, and besides it only rows of transactions that had committed (SQLite's run one by one).
          const names = seen.map((r) => r.name);
          expect(names).toContain(`t${i}`);
          expect(names.filter((n) => n !== `t${i}`).every((n) => Number(n.slice(1)) % 2 === 0)).toBe(true);
          if (i % 2) throw new Error("rolled back on purpose");
          return i;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? "rejected" : "fulfilled")));
    for (const o of outcomes) if (o.status === "rejected") expect(String(o.reason)).toContain("on purpose");
    const kept = await sqlRows<{ name: string }>(db, `SELECT "name" FROM "Scratch" ORDER BY "id"`);
    expect(kept.map((r) => r.name)).toEqual(["t0", "t2", "t4", "t6", "t8"]);
    // Straight, not planned by Prisma: every insert and select above but Prisma's own pg_backend_pid.
    expect(statementsSent.straight - before.straight).toBeGreaterThanOrEqual(21);
    await expect(sqlRows(leaked as Db, `SELECT 1 AS "one"`)).rejects.toThrow(/Transaction already closed/);
  });

  it("reads a table changed under a statement it has run before (another instance's migration), and the next transaction runs it too", async () => {
    const db = await open();
    await sqlRun(db, `CREATE TABLE "Scratch" ("id" INTEGER PRIMARY KEY, "name" TEXT)`);
    await sqlRun(db, `INSERT INTO "Scratch" ("id", "name") VALUES (?, ?)`, 1, "甲");
    const sql = `SELECT "id", "name" FROM "Scratch" ORDER BY "id"`;
    expect(await sqlRows(db, sql)).toEqual([{ id: 1, name: "甲" }]);
    expect(await db.$transaction((tx) => sqlRows(tx, sql))).toEqual([{ id: 1, name: "甲" }]);
    // The same names, another type: on PostgreSQL a statement prepared before is refused for its new result type.
    await sqlRun(db, `DROP TABLE "Scratch"`);
    await sqlRun(db, `CREATE TABLE "Scratch" ("id" INTEGER PRIMARY KEY, "name" INTEGER)`);
    await sqlRun(db, `INSERT INTO "Scratch" ("id", "name") VALUES (?, ?)`, 1, 7);
    // (An integer column reads as a bigint on SQLite, as a number on PostgreSQL.)
    const numbers = (rows: { id: unknown; name: unknown }[]) => rows.map((r) => ({ id: Number(r.id), name: Number(r.name) }));
    expect(numbers(await sqlRows(db, sql))).toEqual([{ id: 1, name: 7 }]);
    expect(numbers(await db.$transaction((tx) => sqlRows(tx, sql)))).toEqual([{ id: 1, name: 7 }]);
  });

  it("reads a column added after its statement was first run (the columns are asked of SQLite once per statement)", async () => {
    const db = await open();
    await sqlRun(db, `CREATE TABLE "Scratch" ("id" INTEGER PRIMARY KEY, "name" TEXT)`);
    await sqlRun(db, `INSERT INTO "Scratch" ("id", "name") VALUES (?, ?)`, 1, "甲");
    const sql = `SELECT * FROM "Scratch" ORDER BY "id"`;
    expect(await sqlRows(db, sql)).toEqual([{ id: 1, name: "甲" }]);
    expect(await db.$queryRawUnsafe(sql)).toEqual([{ id: 1, name: "甲" }]);
    await sqlRun(db, `ALTER TABLE "Scratch" ADD COLUMN "done" BOOLEAN NOT NULL DEFAULT TRUE`);
    // Both paths: straight to the connection, and through Prisma's adapter on the same prepared statement.
    expect(await sqlRows(db, sql)).toEqual([{ id: 1, name: "甲", done: true }]);
    expect(await db.$queryRawUnsafe(sql)).toEqual([{ id: 1, name: "甲", done: true }]);
  });
});
