// A write made outside any transaction is never undone by another caller's transaction that rolls back. On SQLite
// every statement goes to the one connection: without the guard in db.ts, a write sent while someone else's
// transaction is open becomes part of it, is reported done, and is gone when that transaction fails.
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../src/db.ts";
import { freshDatabase, startService, type TestDatabase, type TestService } from "./helpers/service.ts";

let db: Db | null = null;
let database: TestDatabase | null = null;
let svc: TestService | null = null;
afterEach(async () => {
  await db?.$disconnect();
  await database?.drop();
  await svc?.close();
  db = database = svc = null;
});

/** A transaction that writes, says so (`wrote`), then fails once `fail` is called: it is open until then. */
function failingLater(client: Db, write: (tx: Parameters<Parameters<Db["$transaction"]>[0]>[0]) => Promise<unknown>) {
  let fail!: () => void;
  let hasWritten!: () => void;
  const failed = new Promise<void>((resolve) => (fail = resolve));
  const wrote = new Promise<void>((resolve) => (hasWritten = resolve));
  const done = client
    .$transaction(async (tx) => {
      await write(tx);
      hasWritten();
      await failed;
      throw new Error("the worker's step was refused");
    })
    .then(
      () => "committed",
      (err: Error) => err.message,
    );
  return { wrote, fail, done };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a write outside a transaction, while another's is open", () => {
  it("is kept when that transaction rolls back, and what the transaction wrote is not", async () => {
    database = await freshDatabase();
    db = await openDb(database.url);
    const open = failingLater(db, (tx) => tx.unit.create({ data: { name: "回滚的单位", kind: "property" } }));
    await open.wrote;
    const outside = db.area.create({ data: { level: "street", name: "阳光街道" } });
    // Reported done while the transaction is open (that was the harm), or waiting for it to end.
    await Promise.race([outside, tick(200)]);
    open.fail();
    expect(await open.done).toBe("the worker's step was refused");
    await outside;
    expect(await db.area.count({ where: { name: "阳光街道" } })).toBe(1);
    expect(await db.unit.count({ where: { name: "回滚的单位" } })).toBe(0);
  });

  it("keeps a group message that came in meanwhile, stored and answered, when a console action's transaction fails", async () => {
    svc = await startService();
    const { intake, db: client } = svc.services;
    const at = new Date("2026-11-02T02:00:00Z");
    const message = { channel: "http" as const, messageId: "tx-1", chatId: "yangguang-owners", chatName: "阳光花园业主群", isGroup: true, senderId: "tx-wang", senderName: "居民", text: "今天小区门口的花开得真好", mentionsBot: false };
    await intake.receive({ ...message, messageId: "tx-0" }, at); // the reference data read and cached first
    const open = failingLater(client, (tx) => tx.caseEvent.deleteMany({ where: { id: -1 } }));
    await open.wrote;
    const answered = intake.receive(message, at);
    await Promise.race([answered, tick(300)]);
    open.fail();
    await open.done;
    expect((await answered).outcome).toBe("not_addressed");
    const stored = await client.inboundMessage.findUniqueOrThrow({ where: { channel_messageId: { channel: "http", messageId: "tx-1" } } });
    expect(stored).toMatchObject({ text: "今天小区门口的花开得真好", status: "ignored", outcome: "not_addressed" });
  });
});
