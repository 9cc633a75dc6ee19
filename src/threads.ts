// Worker threads that run a TypeScript module, under tsx and under vitest alike: tsWorker.mjs registers tsx in the
// thread (tsx's loader is on the main thread only), then loads the module named in its workerData.
import { Worker, type ResourceLimits } from "node:worker_threads";

const ENTRY = new URL("./tsWorker.mjs", import.meta.url);

/** Starts a thread on `module`; the module reads `data` as `workerData.data`. */
export function startTsWorker(module: URL, data?: unknown, options: { resourceLimits?: ResourceLimits } = {}): Worker {
  return new Worker(ENTRY, { ...options, workerData: { module: module.href, data } });
}

/**
 * Runs `module` in a new thread for one answer: resolves with the first message it posts, rejects when the thread
 * fails or stops before answering. The thread is ended either way (its memory with it).
 */
export function runInThread<T>(module: URL, data: unknown, options: { resourceLimits?: ResourceLimits } = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = startTsWorker(module, data, options);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once("message", (reply: T) => settle(() => resolve(reply)));
    worker.once("messageerror", (err) => settle(() => reject(err)));
    worker.once("error", (err) => settle(() => reject(err)));
    worker.once("exit", (code) => settle(() => reject(new Error(`the worker thread stopped before answering (exit code ${code})`))));
  });
}
