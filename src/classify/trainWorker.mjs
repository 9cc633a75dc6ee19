// Entry of the model-training thread, in plain JS. Under Node 20 tsx registers its loader on the main thread
// only (its `--import` hook skips worker threads), so a worker cannot load a .ts file by itself — not under
// `tsx src/main.ts`, not under vitest. This registers tsx in this thread, then loads the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./trainWorker.ts");
