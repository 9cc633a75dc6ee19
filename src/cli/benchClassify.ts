// npm run bench:classify — speed and memory of the local classifier with the 517-item taxonomy and 10,000
// learned examples: the start-up rebuild (model + example index) and appeals classified per second on one core.
// The examples are synthetic (a matter's name and category inside real residents' sentences): this measures
// speed and size, not accuracy (npm run eval does that).
import { catalogueFromFile } from "../classify/evaluate.ts";
import { LearnedClassifier } from "../classify/learned.ts";
import { appealMaker, SHARED } from "./syntheticAppeals.ts";

const EXAMPLES = Number(process.env.EXAMPLES ?? 10_000);
const QUERIES = Number(process.env.QUERIES ?? 5_000);

const catalogue = catalogueFromFile(`${SHARED}/taxonomy-517.csv`);
const appeal = appealMaker(catalogue.matters);

const examples = Array.from({ length: EXAMPLES }, appeal);
const labelled = Array.from({ length: QUERIES }, appeal);
const queries = labelled.map((q) => q.text);
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
let t = performance.now();
const classifier = LearnedClassifier.train(examples);
const rebuildMs = performance.now() - t;
global.gc?.();
const heapModelMB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

// Warm up, then measure.
for (const q of queries.slice(0, 200)) await classifier.classify({ text: q }, catalogue);
// Three timed rounds; the median, since a shared machine's speed wanders.
const rounds: number[] = [];
for (let r = 0; r < 3; r++) {
  t = performance.now();
  for (const q of queries) await classifier.classify({ text: q }, catalogue);
  rounds.push(QUERIES / ((performance.now() - t) / 1000));
}
const perSecond = rounds.sort((a, b) => a - b)[1];
// A sanity check that speed was not bought with sense: the matter named in a synthetic appeal should win.
let right = 0;
for (const q of labelled.slice(0, 1000)) if ((await classifier.classify({ text: q.text }, catalogue)).matterCode === q.label) right++;

const result = {
  matters: catalogue.matters.length,
  examples: EXAMPLES,
  rebuildSeconds: Number((rebuildMs / 1000).toFixed(2)),
  appealsPerSecond: Math.round(perSecond),
  meanAppealChars: Math.round(queries.reduce((n, q) => n + q.length, 0) / queries.length),
  syntheticAccuracy: Number((right / Math.min(1000, labelled.length)).toFixed(3)),
  modelHeapMB: Number(heapModelMB.toFixed(1)),
  rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
};
console.error(`rebuild from ${EXAMPLES} examples: ${result.rebuildSeconds} s · ${result.appealsPerSecond} appeals/s · model ${result.modelHeapMB} MB heap · RSS ${result.rssMB} MB`);
console.log(JSON.stringify(result));
