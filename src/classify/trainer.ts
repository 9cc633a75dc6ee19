// Who trains the linear model and builds the example index: a worker thread in the service (training takes
// seconds with thousands of examples, the index about a second, and the event loop must keep answering chats and
// HTTP meanwhile), or this thread (start-up, the benchmark's "before").
import { Worker } from "node:worker_threads";
import { setImmediate as nextTurn } from "node:timers/promises";
import { LinearTextModel, type TransferredModel } from "./linear.ts";
import { NeighbourIndex, type TransferredIndex } from "./neighbours.ts";
import { checkCalibration, type Calibration } from "./calibration.ts";
import { fitConfidenceCalibration } from "./calibrationFit.ts";
import { Catalogue, type MatterInfo } from "./catalogue.ts";

export interface LabelledExample {
  text: string;
  label: string;
}

/**
 * The model (none below two labels), the example index (none when not asked for, or no examples) and the
 * confidence calibration (none without the list, or with too few examples: the raw confidence stays).
 */
export interface Learned {
  model: LinearTextModel | null;
  neighbours: NeighbourIndex | null;
  calibration?: Calibration | null;
}

export interface TrainOptions {
  /** Build the example index too (false: the caller's index is already exact for these examples). */
  index: boolean;
  /** The responsibility list's matters: given, the confidence calibration is learned too (calibrationFit.ts). */
  matters?: MatterInfo[];
}

export interface ModelTrainer {
  train(examples: LabelledExample[], options: TrainOptions): Promise<Learned>;
  /** Stops for good: a training under way is abandoned (its promise rejects). */
  close(): Promise<void>;
}

/** Messages between the service and the training thread (trainWorker.ts). */
export interface TrainRequest {
  id: number;
  examples: LabelledExample[];
  index: boolean;
  matters?: MatterInfo[];
}
export type TrainReply = { id: number; model: TransferredModel | null; neighbours: TransferredIndex | null; calibration: Calibration | null } | { id: number; error: string };

/** What a training produces, on the thread that runs it. */
export function trainHere(examples: LabelledExample[], { index, matters }: TrainOptions): Learned {
  return {
    model: new Set(examples.map((e) => e.label)).size >= 2 ? LinearTextModel.train(examples) : null,
    neighbours: index && examples.length ? NeighbourIndex.build(examples) : null,
    calibration: matters ? fitConfidenceCalibration(examples, new Catalogue(matters)) : null,
  };
}

/** Trains on this thread, blocking it for the whole training. */
export class InThreadTrainer implements ModelTrainer {
  async train(examples: LabelledExample[], options: TrainOptions): Promise<Learned> {
    await nextTurn(); // let the caller's request finish first
    return trainHere(examples, options);
  }

  async close(): Promise<void> {}
}

/**
 * Trains in a worker thread, started at the first training and kept for the next ones until it has had nothing to
 * do for idleMs (each new thread loads jieba's dictionary again). It holds the process open only while a training
 * is under way. If the thread fails, the trainings waiting on it reject, and the next one starts a new thread.
 * The same path runs under tsx and under vitest: the entry (trainWorker.mjs) registers tsx in the thread itself.
 */
export class WorkerTrainer implements ModelTrainer {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { worker: Worker; examples: LabelledExample[]; resolve: (l: Learned) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private idle: NodeJS.Timeout | null = null;

  /** `idleMs`: how long the thread is kept with nothing to train (its isolate and jieba's dictionary, some tens of MB). */
  constructor(
    private readonly entry: URL = new URL("./trainWorker.mjs", import.meta.url),
    private readonly idleMs = 10_000,
  ) {}

  /** Whether the thread is up (started by a training, ended idleMs after the last). */
  get running(): boolean {
    return this.worker !== null;
  }

  train(examples: LabelledExample[], { index, matters }: TrainOptions): Promise<Learned> {
    if (this.closed) return Promise.reject(new Error("the model trainer is closed"));
    const worker = (this.worker ??= this.start());
    if (this.idle) clearTimeout(this.idle);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { worker, examples, resolve, reject });
      worker.ref();
      const request: TrainRequest = { id, examples, index, matters };
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
      if (![...this.waiting.values()].some((w) => w.worker === worker)) this.rest(worker);
      if ("error" in reply) return waiter.reject(new Error(`training in the worker thread failed: ${reply.error}`));
      try {
        waiter.resolve({
          model: reply.model && LinearTextModel.fromTransfer(reply.model),
          neighbours: reply.neighbours && NeighbourIndex.fromTransfer(reply.neighbours, waiter.examples),
          calibration: reply.calibration && checkCalibration(reply.calibration),
        });
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

  /** Nothing left to train: the thread no longer holds the process open, and ends if nothing comes within idleMs. */
  private rest(worker: Worker) {
    worker.unref();
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.worker !== worker || [...this.waiting.values()].some((w) => w.worker === worker)) return;
      this.worker = null;
      void worker.terminate();
    }, this.idleMs);
    this.idle.unref();
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
