// Entry of a worker thread that runs a TypeScript module (workerData.module, a file URL), in plain JS. Under
// Node 20 tsx registers its loader on the main thread only (its `--import` hook skips worker threads), so a worker
// cannot load a .ts file by itself — not under `tsx src/main.ts`, not under vitest. See threads.ts.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
