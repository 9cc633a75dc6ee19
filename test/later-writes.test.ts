// Writes held back for a transaction's next statement (db.ts sqlRunLater, laterWrites.ts): on PostgreSQL they go
// with it in one round trip; on SQLite they are written at once. Either way a statement after a write sees it, the
// order of writes to one table stands, and a write that fails fails its transaction.
import { describe, expect, it } from "vitest";
import { dbEngine, sqlRows, sqlRunLater } from "../src/db.ts";
import { joined, LaterWrites, type Write } from "../src/laterWrites.ts";
import { queueMessageLater } from "../src/outbox.ts";
import { recordEventLater, updateCaseAndRecord } from "../src/cases/records.ts";
import { insertRow } from "../src/rawRows.ts";
import { databasePerTest, statementsOf } from "./helpers/database.ts";

const open = databasePerTest();
const at = new Date("2026-12-01T08:30:00.123Z");
const message = (text: string, dedupeKey?: string) => ({ channel: "http", chatId: "c1", isGroup: false, text, now: at, ...(dedupeKey ? { dedupeKey } : {}) });
const caseData = (number: string) => ({
  number, text: "3号楼电梯坏了", location: "3号楼", channel: "http", chatId: "yangguang-owners", isGroup: true, urgency: "normal", status: "accepted",
  classSource: "local", classConfidence: 0.9, classRationale: "关键词：电梯", missingInfo: [], responseDueAt: at, resolveDueAt: at, createdAt: at,
});

describe("writes held for the next statement", () => {
  it("go with the transaction's next statement on PostgreSQL unless it touches their table, and are there once it commits", async () => {
    const db = await open();
    const kase = await db.case.create({ data: caseData("2026-000001") });
    const { value: result, statements: sent } = await statementsOf(() =>
      db.$transaction(async (tx) => {
        await queueMessageLater(tx, message("已收到"));
        await recordEventLater(tx, kase.id, { type: "internal_note", actor: "worker", note: "已电话联系", now: at });
        // The update writes an event too: the held event goes first, on its own, and the message goes with the
        // update. On SQLite each was written at once.
        return updateCaseAndRecord(tx, kase.id, { status: "dispatched", dispatchedAt: at }, { type: "dispatch", actor: "bot", fromStatus: "accepted", toStatus: "dispatched", now: at });
      }),
    );
    expect(result.status).toBe("dispatched");
    expect(sent).toBe(dbEngine(db) === "postgres" ? 4 : 6); // BEGIN and COMMIT with them
    expect((await db.outbox.findMany()).map((o) => o.text)).toEqual(["已收到"]);
    expect((await db.caseEvent.findMany({ where: { caseId: kase.id }, orderBy: { id: "asc" } })).map((e) => e.type)).toEqual(["internal_note", "dispatch"]);
  });

  it("are sent with COMMIT's statement when nothing comes after them: the writes of a transaction's end in one", async () => {
    const db = await open();
    const kase = await db.case.create({ data: caseData("2026-000002") });
    const { statements: sent } = await statementsOf(() =>
      db.$transaction(async (tx) => {
        await queueMessageLater(tx, message("工单已派出"));
        await recordEventLater(tx, kase.id, { type: "unit_unreachable", actor: "bot", now: at });
        await sqlRunLater(tx, `UPDATE "Case" SET "escalationLevel" = ? WHERE "id" = ?`, 2, kase.id);
      }),
    );
    expect(sent).toBe(dbEngine(db) === "postgres" ? 3 : 5);
    expect(await db.outbox.count()).toBe(1);
    expect(await db.caseEvent.count({ where: { caseId: kase.id, type: "unit_unreachable" } })).toBe(1);
    expect((await db.case.findUniqueOrThrow({ where: { id: kase.id } })).escalationLevel).toBe(2);
  });

  it("are seen by a statement after them that reads their table, raw or through Prisma", async () => {
    const db = await open();
    await db.$transaction(async (tx) => {
      await queueMessageLater(tx, message("第一条"));
      expect((await sqlRows<{ text: string }>(tx, `SELECT "text" FROM "Outbox"`)).map((r) => r.text)).toEqual(["第一条"]);
      await queueMessageLater(tx, message("第二条"));
      expect(await tx.outbox.count()).toBe(2);
    });
    expect(await db.outbox.count()).toBe(2);
  });

  it("keep their order on one table, and a key queued before keeps its message", async () => {
    const db = await open();
    const kase = await db.case.create({ data: caseData("2026-000003") });
    await db.$transaction(async (tx) => {
      for (const note of ["一", "二", "三"]) await recordEventLater(tx, kase.id, { type: "internal_note", actor: "worker", note, now: at });
      await queueMessageLater(tx, message("第一次", "chase:1"));
      await queueMessageLater(tx, message("第二次", "chase:1"));
    });
    expect((await db.caseEvent.findMany({ where: { caseId: kase.id }, orderBy: { id: "asc" } })).map((e) => e.note)).toEqual(["一", "二", "三"]);
    expect((await db.outbox.findMany()).map((o) => o.text)).toEqual(["第一次"]);
  });

  it("fail their transaction when they fail: nothing of it stays, though the failure came with a later statement", async () => {
    const db = await open();
    const attempt = db.$transaction(async (tx) => {
      await insertRow(tx, "Case", caseData("2026-000004"), () => Promise.reject(new Error("fell back")));
      // No case 999999: the event's foreign key refuses it (on PostgreSQL when it is sent, at COMMIT).
      await recordEventLater(tx, 999_999, { type: "internal_note", actor: "worker", note: "不存在的工单", now: at });
    });
    await expect(attempt).rejects.toThrow();
    expect(await db.case.count({ where: { number: "2026-000004" } })).toBe(0);
    expect(await db.caseEvent.count()).toBe(0);
  });

  it("are dropped when their transaction rolls back, and never reach the next transaction on the connection", async () => {
    const db = await open();
    await expect(
      db.$transaction(async (tx) => {
        await queueMessageLater(tx, message("不该发出"));
        throw new Error("处理失败");
      }),
    ).rejects.toThrow("处理失败");
    // The pool's connections each run a transaction after it: none carries the dropped write.
    for (let i = 0; i < 12; i++) await db.$transaction(async (tx) => void (await sqlRows(tx, `SELECT "id" FROM "Case" WHERE "id" = ?`, i)));
    expect(await db.outbox.count()).toBe(0);
  });

  it("outside a transaction are written at once", async () => {
    const db = await open();
    await queueMessageLater(db, message("即时"));
    expect(await db.outbox.count()).toBe(1);
  });
});

describe("LaterWrites", () => {
  const sent: Write[] = [];
  const later = () => {
    sent.length = 0;
    return new LaterWrites(async (sql, values) => void sent.push({ sql, values }));
  };
  const job = { sql: `INSERT INTO "Job" ("kind") VALUES (?)`, values: ["chase"] };
  const outcome = { sql: `UPDATE "InboundMessage" SET "status" = ? WHERE "id" = ?`, values: ["processed", 7] };

  it("puts the waiting writes ahead of a statement as WITHs, joining its own WITH, the values in the order of their marks", () => {
    expect(joined([job], { sql: `SELECT "id" FROM "Case" WHERE "id" = ?`, values: [3] })).toEqual({
      sql: `WITH "later_0" AS (INSERT INTO "Job" ("kind") VALUES (?)) SELECT "id" FROM "Case" WHERE "id" = ?`,
      values: ["chase", 3],
    });
    expect(joined([job, outcome], { sql: `WITH "u" AS (UPDATE "Case" SET "status" = ? RETURNING "id") SELECT "id" FROM "u"`, values: ["closed"] })).toEqual({
      sql: `WITH "later_0" AS (INSERT INTO "Job" ("kind") VALUES (?)), "later_1" AS (UPDATE "InboundMessage" SET "status" = ? WHERE "id" = ?), "u" AS (UPDATE "Case" SET "status" = ? RETURNING "id") SELECT "id" FROM "u"`,
      values: ["chase", "processed", 7, "closed"],
    });
  });

  it("sends them first, on their own, before a statement that names their table or cannot carry a WITH", async () => {
    const l = later();
    await l.add(job, LaterWrites.tableOf(job.sql)!);
    await l.add(outcome, LaterWrites.tableOf(outcome.sql)!);
    const reads = { sql: `SELECT COUNT(*) FROM "Job"`, values: [] };
    expect(await l.with(reads)).toEqual(reads);
    expect(sent).toEqual([joined([job], outcome)]);
    await l.add(job, '"Job"');
    const recursive = { sql: `WITH RECURSIVE "t" AS (SELECT 1) SELECT * FROM "t"`, values: [] };
    expect(await l.with(recursive)).toEqual(recursive);
    expect(sent).toHaveLength(2);
    expect(l.waiting).toBe(0);
  });

  it("holds only a plain write of one table", () => {
    expect(LaterWrites.tableOf(`INSERT INTO "Outbox" ("text") VALUES (?)`)).toBe('"Outbox"');
    expect(LaterWrites.tableOf(`DELETE FROM "Job" WHERE "id" = ?`)).toBe('"Job"');
    expect(LaterWrites.tableOf(`WITH "c" AS (INSERT INTO "Case" DEFAULT VALUES RETURNING "id") SELECT "id" FROM "c"`)).toBeNull();
    expect(LaterWrites.tableOf(`SELECT pg_advisory_xact_lock(1)`)).toBeNull();
  });
});
