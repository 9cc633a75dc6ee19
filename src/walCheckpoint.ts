// SQLite's WAL checkpoints on a thread of their own. By default the connection that commits copies the log into
// the database file whenever it passes 1,000 pages, with two fsyncs: under load one commit in thirty took 16 ms,
// two fifths of all the time SQLite spent, and every request waited behind it. Here a thread with its own
// connection does it (walCheckpointWorker.mjs), and the service's connection checkpoints only if the log grows
// past SAFETY_PAGES (the thread stalled); if the thread fails, the connection goes back to SQLite's default.
import { Worker } from "node:worker_threads";
import type { Db } from "./db.ts";
import type { Logger } from "./log.ts";

const ENTRY = new URL("./walCheckpointWorker.mjs", import.meta.url);
/** SQLite's default: what the service's own connection goes back to without the thread. */
export const DEFAULT_PAGES = 1000;
/** The log's bound while the thread works: 20,000 pages of 4 KiB, 80 MB. */
export const SAFETY_PAGES = 20_000;

/** What the thread reports after a pass that changed something (walCheckpointWorker.mjs). */
interface Checkpoint {
  busy: number;
  /** Frames in the log, and how many of them are in the database file now. */
  log: number;
  checkpointed: number;
}

export interface WalCheckpoints {
  /** The thread itself (tests end it to see the connection take the work back). */
  thread: Worker;
  stop(): Promise<void>;
}

const autocheckpoint = (db: Db, pages: number) => db.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${pages}`);

/** Starts the checkpoint thread for the SQLite database `db` has open; null on PostgreSQL. */
export async function startWalCheckpoints(db: Db, log: Logger, o: { everyMs?: number } = {}): Promise<WalCheckpoints | null> {
  const [main] = await db.$queryRawUnsafe<{ name: string; file: string }[]>("PRAGMA database_list").catch(() => []);
  if (!main?.file) return null; // PostgreSQL has no PRAGMA; an in-memory SQLite no file
  const worker = new Worker(ENTRY, { workerData: { file: main.file, everyMs: o.everyMs ?? 200 } });
  worker.unref();
  let stopping = false;
  let failed = false;
  const fallBack = (why: string, err?: unknown) => {
    if (stopping || failed) return;
    failed = true;
    log.error({ err }, `WAL checkpoint thread ${why}; the service's connection checkpoints again`);
    autocheckpoint(db, DEFAULT_PAGES).catch(() => undefined);
  };
  let started = false;
  const first = new Promise<boolean>((resolve) => {
    worker.on("message", (m: Checkpoint | { error: string }) => {
      if ("error" in m) {
        // A pass that fails once it has worked (the disk full, say) hands the work back to the connection at once:
        // left to the thread, the log would be copied only at SAFETY_PAGES.
        if (started) {
          fallBack("failed a pass", m.error);
          void terminate(worker);
        } else log.warn({ err: m.error }, "WAL checkpoint thread: its first pass failed; the service's connection checkpoints");
        return resolve(false);
      }
      started = true;
      resolve(true);
    });
    worker.once("exit", () => resolve(false));
  });
  worker.on("error", (err) => fallBack("failed", err));
  worker.on("exit", (code) => fallBack(`stopped (exit code ${code})`));
  // Only once the thread has checkpointed does the service's connection leave it the work.
  if (!(await first) || failed) {
    stopping = true;
    await terminate(worker);
    return null;
  }
  await autocheckpoint(db, SAFETY_PAGES);
  return {
    thread: worker,
    async stop() {
      if (stopping) return;
      stopping = true;
      if (failed) return; // the thread is gone, and the connection has the work back
      await terminate(worker);
      await autocheckpoint(db, DEFAULT_PAGES).catch(() => undefined);
    },
  };
}

/** Ends the thread, its connection closed first when it still answers. */
async function terminate(worker: Worker): Promise<void> {
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  worker.postMessage("close");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  await worker.terminate();
}
