// SQLite's WAL checkpoints on their own thread (src/walCheckpoint.ts): the service's connection leaves the copying
// to it, the thread does copy the log into the database, and when the thread dies the connection takes the work
// back, so the log cannot grow without bound. On a SQLite file of its own whichever engine the suite runs on.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../src/db.ts";
import { createLogger } from "../src/log.ts";
import { DEFAULT_PAGES, SAFETY_PAGES, startWalCheckpoints, type WalCheckpoints } from "../src/walCheckpoint.ts";

const log = createLogger("silent", false);
const opened: { db: Db; dir: string; checkpoints: WalCheckpoints | null }[] = [];

async function sqliteFile() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "minhu-wal-"));
  const db = await openDb(`file:${path.join(dir, "wal.db")}`);
  await db.$executeRawUnsafe(`CREATE TABLE "Note" ("id" INTEGER PRIMARY KEY, "body" TEXT NOT NULL)`);
  const entry = { db, dir, checkpoints: null as WalCheckpoints | null };
  opened.push(entry);
  return entry;
}

const autocheckpoint = async (db: Db) => Number((await db.$queryRawUnsafe<{ wal_autocheckpoint: number | bigint }[]>("PRAGMA wal_autocheckpoint"))[0].wal_autocheckpoint);

/** About `pages` pages of the log written, in transactions of ten rows. */
async function write(db: Db, pages: number) {
  const body = "民".repeat(1300); // 3.9 KB: a page a row
  for (let i = 0; i < pages / 10; i++) {
    await db.$transaction(async (tx) => {
      for (let j = 0; j < 10; j++) await tx.$executeRawUnsafe(`INSERT INTO "Note" ("body") VALUES (?)`, body);
    });
  }
}

afterEach(async () => {
  for (const { db, dir, checkpoints } of opened.splice(0)) {
    await checkpoints?.stop();
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("WAL checkpoints on their own thread", () => {
  it("copy the log into the database while the service's commits leave it to them", { timeout: 30_000 }, async () => {
    const file = await sqliteFile();
    expect(await autocheckpoint(file.db)).toBe(DEFAULT_PAGES);
    file.checkpoints = await startWalCheckpoints(file.db, log, { everyMs: 20 });
    expect(file.checkpoints).not.toBeNull();
    expect(await autocheckpoint(file.db)).toBe(SAFETY_PAGES);
    // More than the default's 1,000 pages: left alone, the connection would have checkpointed on a commit.
    await write(file.db, 1500);
    // The rows reach the database file itself, a page each: only a checkpoint copies them there from the log, and
    // the connection leaves that to the thread. (Not the thread's reports: a log fully copied is begun again by
    // the next commit, so how long it is says little.)
    await expect.poll(() => statSync(path.join(file.dir, "wal.db")).size, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(1500 * 4096);
    // Every row is there, read back through the service's own connection.
    const [{ n }] = await file.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM "Note"`);
    expect(Number(n)).toBe(1500);
    await file.checkpoints!.stop();
    expect(await autocheckpoint(file.db)).toBe(DEFAULT_PAGES);
  });

  it("when the thread dies, the service's connection checkpoints again", { timeout: 30_000 }, async () => {
    const file = await sqliteFile();
    file.checkpoints = await startWalCheckpoints(file.db, log, { everyMs: 20 });
    expect(await autocheckpoint(file.db)).toBe(SAFETY_PAGES);
    await file.checkpoints!.thread.terminate();
    await expect.poll(() => autocheckpoint(file.db), { timeout: 5000 }).toBe(DEFAULT_PAGES);
  });

  it("when a pass fails after the thread has worked, the connection takes the work back at once and the thread ends", { timeout: 30_000 }, async () => {
    const file = await sqliteFile();
    file.checkpoints = await startWalCheckpoints(file.db, log, { everyMs: 20 });
    expect(await autocheckpoint(file.db)).toBe(SAFETY_PAGES);
    const thread = file.checkpoints!.thread;
    const exited = new Promise((resolve) => thread.once("exit", resolve));
    // What the thread posts when a checkpoint throws (walCheckpointWorker.mjs), as a full disk would make it.
    thread.emit("message", { error: "disk I/O error" });
    await expect.poll(() => autocheckpoint(file.db), { timeout: 5000 }).toBe(DEFAULT_PAGES);
    await exited;
    await file.checkpoints!.stop();
    expect(await autocheckpoint(file.db)).toBe(DEFAULT_PAGES);
  });

  it("has no thread on PostgreSQL or without a database file", async () => {
    const fake = { $queryRawUnsafe: async () => [{ name: "main", file: "" }] } as unknown as Db;
    expect(await startWalCheckpoints(fake, log)).toBeNull();
    const postgres = { $queryRawUnsafe: async () => Promise.reject(new Error('syntax error at or near "PRAGMA"')) } as unknown as Db;
    expect(await startWalCheckpoints(postgres, log)).toBeNull();
  });
});
