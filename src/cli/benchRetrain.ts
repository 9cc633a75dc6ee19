// npm run bench:retrain — how long the service's event loop stands still while the local classifier retrains
// after a worker's confirmation, with 10,000 examples of 60 matters (the NB-SVM): training on the service's own
// thread (as before) against training in the worker thread. It runs LearningStore.learn as the case API does,
// over an in-memory stand-in for the example table. Also the start-up: how soon the service answers (the example
// index) and when the model is ready (trained in the worker thread).
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Db } from "../db.ts";
import { createLogger } from "../log.ts";
import { catalogueFromFile } from "../classify/evaluate.ts";
import { LearningStore } from "../classify/learning.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { InThreadTrainer, WorkerTrainer } from "../classify/trainer.ts";
import { appealMaker, SHARED } from "./syntheticAppeals.ts";

const EXAMPLES = Number(process.env.EXAMPLES ?? 10_000);
const LABELS = Number(process.env.LABELS ?? 60);

const catalogue = catalogueFromFile(`${SHARED}/taxonomy-517.csv`);
const appeal = appealMaker(catalogue.matters.slice(0, LABELS));
const rows = Array.from({ length: EXAMPLES }, () => {
  const a = appeal();
  return { text: a.text, matterCode: a.label };
});
// Each confirmation stores a new example (a case confirmed for the first time), as the case API does.
const db = {
  labelledExample: {
    findMany: async () => rows.slice(),
    upsert: async ({ create }: { create: { text: string; matterCode: string } }) => void rows.push({ text: create.text, matterCode: create.matterCode }),
  },
  // No cases behind these examples: no resident names to mask.
  case: { findMany: async () => [] },
} as unknown as Db;
const log = createLogger("warn", false);


/** One confirmation learned while the event loop is watched: its longest stall, and how long until the new model. */
async function retrain(store: LearningStore) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  // A 10 ms timer, as a chat reply or an HTTP request would wait: the longest gap between its ticks.
  let last = performance.now();
  let longestGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 10);
  delay.enable();
  await sleep(50); // both watchers running before the work starts
  const before = store.learned.model;
  const t = performance.now();
  // learn() is synchronous work but for the (stand-in) database: its duration is its stall.
  const confirmed = appeal();
  await store.learn({ text: confirmed.text, matterCode: confirmed.label, source: "confirmed", caseId: rows.length + 1 });
  const learnMs = performance.now() - t;
  if (store.learned.neighbours?.nearest(confirmed.text, 1)[0]?.text !== confirmed.text) throw new Error("the example does not count at once");
  // From here on: the model's training, and taking it in.
  longestGap = 0;
  last = performance.now();
  await store.trained();
  const totalMs = performance.now() - t;
  await sleep(50); // a stall just before this point is recorded when the loop next turns
  delay.disable();
  clearInterval(timer);
  if (store.learned.model === before) throw new Error("the model was not replaced");
  if (!store.learned.neighbours?.exact) throw new Error("the example index was not rebuilt in full");
  return { learnMs, totalMs, maxDelayMs: delay.max / 1e6, trainingGapMs: longestGap };
}

const inThread = new LearningStore(db, log, new InThreadTrainer());
await inThread.load();
await inThread.trained();
const before = await retrain(inThread);
await inThread.close();

// The same confirmation with the model trained in the worker thread (the store learns the examples from it).
// Start-up as the service does it: every example read and indexed (it answers from here on), the model trained
// in the worker thread meanwhile.
const inWorker = new LearningStore(db, log, new WorkerTrainer());
const t = performance.now();
await inWorker.load();
const answersAfterMs = performance.now() - t;
await inWorker.trained();
const loadMs = performance.now() - t;
const after = await retrain(inWorker);
const again = await retrain(inWorker); // the thread is running, its jieba loaded
await inWorker.close();

const r = (ms: number) => Math.round(ms);
const figures = (x: Awaited<ReturnType<typeof retrain>>) => ({
  maxEventLoopDelayMs: r(x.maxDelayMs),
  longestStallInLearnMs: r(x.learnMs),
  longestStallWhileTrainingMs: r(x.trainingGapMs),
  untilNewModelMs: r(x.totalMs),
});
const result = { examples: EXAMPLES, labels: LABELS, startupAnswersAfterMs: r(answersAfterMs), startupModelReadyMs: r(loadMs), inThread: figures(before), worker: figures(after), workerWarm: figures(again) };
const line = (name: string, x: ReturnType<typeof figures>) =>
  `${name} event loop blocked up to ${x.maxEventLoopDelayMs} ms — ${x.longestStallInLearnMs} ms in learn() (example index), ${x.longestStallWhileTrainingMs} ms while the model and the index were built and taken in; new model after ${(x.untilNewModelMs / 1000).toFixed(1)} s`;
console.error(
  [
    `${EXAMPLES} examples, ${LABELS} matters; start-up: answering after ${(result.startupAnswersAfterMs / 1000).toFixed(1)} s (example index), model ready after ${(result.startupModelReadyMs / 1000).toFixed(1)} s`,
    line("retrain on the service's thread:          ", result.inThread),
    line("retrain in the worker thread (first):     ", result.worker),
    line("retrain in the worker thread (running):   ", result.workerWarm),
  ].join("\n"),
);
console.log(JSON.stringify(result));
