// Entry of the WAL checkpoint thread (walCheckpoint.ts), in plain JS: it needs only better-sqlite3, so it does
// not load tsx. Every `everyMs` it copies what the write-ahead log holds into the database file (PASSIVE: it never
// waits for the service's writers or readers, and takes only the frames no reader still needs), and reports.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const db = new Database(workerData.file, { fileMustExist: true });
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
let last = -1;
const pass = () => {
  try {
    const { busy, log, checkpointed } = checkpoint.get();
    // A pass that found nothing new is not worth a message.
    if (log !== last || busy) parentPort.postMessage({ busy, log, checkpointed });
    last = log;
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
pass(); // the first report says the thread can checkpoint
setInterval(pass, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m === "close") {
    db.close();
    process.exit(0);
  }
});
