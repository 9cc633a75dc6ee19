// Who trains the linear model: a worker thread in the service (training takes seconds with thousands of
// examples, and the event loop must keep answering chats and HTTP meanwhile), or this thread (start-up, the
// benchmark's "before").
import { Worker } from "node:worker_threads";
import { setImmediate as nextTurn } from "node:timers/promises";
import { LinearTextModel, type TransferredModel } from "./linear.ts";

export interface LabelledExample {
  text: string;
  label: string;
}

export interface ModelTrainer {
  train(examples: LabelledExample[]): Promise<LinearTextModel>;
  /** Stops for good: a training under way is abandoned (its promise rejects). */
  close(): Promise<void>;
}

/** Messages between the service and the training thread (trainWorker.ts). */
export interface TrainRequest {
  id: number;
  examples: LabelledExample[];
}
export type TrainReply = { id: number; model: TransferredModel } | { id: number; error: string };

/** Trains on this thread, blocking it for the whole training. */
export class InThreadTrainer implements ModelTrainer {
  async train(examples: LabelledExample[]): Promise<LinearTextModel> {
    await nextTurn(); // let the caller's request finish first
    return LinearTextModel.train(examples);
  }

  async close(): Promise<void> {}
}

/**
 * Trains in one long-lived worker thread, started at the first training (each new thread loads jieba's
 * dictionary again). It holds the process open only while a training is under way. If the thread fails, the
 * trainings waiting on it reject, and the next one starts a new thread.
 * The same path runs under tsx and under vitest: the entry (trainWorker.mjs) registers tsx in the thread itself.
 */
export class WorkerTrainer implements ModelTrainer {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { worker: Worker; resolve: (m: LinearTextModel) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly entry: URL = new URL("./trainWorker.mjs", import.meta.url)) {}

  train(examples: LabelledExample[]): Promise<LinearTextModel> {
    if (this.closed) return Promise.reject(new Error("the model trainer is closed"));
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { worker, resolve, reject });
      worker.ref();
      const request: TrainRequest = { id, examples };
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll(worker, new Error("the model trainer was closed"));
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = new Worker(this.entry);
    worker.unref();
    worker.on("message", (reply: TrainReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (![...this.waiting.values()].some((w) => w.worker === worker)) worker.unref();
      if ("error" in reply) return waiter.reject(new Error(`training in the worker thread failed: ${reply.error}`));
      try {
        waiter.resolve(LinearTextModel.fromTransfer(reply.model));
      } catch (err) {
        waiter.reject(err as Error);
      }
    });
    worker.on("messageerror", (err) => this.failAll(worker, err));
    // An uncaught error ends the thread ('exit' follows); so does terminate().
    worker.on("error", (err) => this.failAll(worker, err));
    worker.on("exit", (code) => this.failAll(worker, new Error(`the training thread stopped (exit code ${code})`)));
    return worker;
  }

  /** Rejects every training waiting on this thread, which is not used again. */
  private failAll(worker: Worker | null, err: Error) {
    if (!worker) return;
    if (this.worker === worker) {
      this.worker = null;
      void worker.terminate();
    }
    for (const [id, waiter] of this.waiting) {
      if (waiter.worker !== worker) continue;
      this.waiting.delete(id);
      waiter.reject(err);
    }
  }
}
