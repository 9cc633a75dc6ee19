// npm run eval -- --list LIST.csv|LIST.xlsx --train TRAIN.tsv [--test TEST.tsv | --cv K] [--classifier local|llm|cascade]
//                  [--threshold 0.9] [--short SHORT.tsv]
// Learns --train as if it were confirmed cases (in memory: the service's database is not touched), measures on
// --test or by K-fold cross-validation, shows progress on stderr, and prints one JSON object as the last line.
// Its "confidence" part: calibration (ECE) and LLM calls per appeal at the threshold, for long texts and short
// ones (the first 20–40 characters of each held-out text, made here; and --short, messages labelled by hand),
// with each kind's accuracy and coverageAt95, the most that any threshold could decide alone at 95% precision.
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { evaluate, loadCatalogueFile, readLabelled } from "../classify/evaluate.ts";
import { llmClassifierFromConfig } from "../classify/llm.ts";

const { values } = parseArgs({
  options: {
    list: { type: "string" },
    train: { type: "string" },
    test: { type: "string" },
    cv: { type: "string" },
    classifier: { type: "string", default: "local" },
    threshold: { type: "string" },
    seed: { type: "string" },
    short: { type: "string" },
  },
});
const classifier = values.classifier as "local" | "llm" | "cascade";
if (!values.list || !values.train || (!values.test && !values.cv) || !["local", "llm", "cascade"].includes(classifier)) {
  console.error("usage: npm run eval -- --list LIST.csv --train TRAIN.tsv (--test TEST.tsv | --cv K) [--classifier local|llm|cascade] [--threshold 0.9] [--short SHORT.tsv]");
  process.exit(2);
}
loadDotEnv();
try {
  const catalogue = await loadCatalogueFile(values.list);
  const train = readLabelled(values.train, catalogue);
  const test = values.test ? readLabelled(values.test, catalogue) : undefined;
  const shortTest = values.short ? readLabelled(values.short, catalogue) : undefined;
  const llm = classifier === "local" ? undefined : llmClassifierFromConfig(loadConfig());
  if (classifier !== "local" && !llm) throw new Error("--classifier llm|cascade needs OPENAI_BASE_URL or OPENAI_API_KEY");
  let last = 0;
  const report = await evaluate({
    catalogue,
    train,
    test,
    folds: values.cv ? Number(values.cv) : undefined,
    classifier,
    llm: llm ?? undefined,
    threshold: values.threshold ? Number(values.threshold) : undefined,
    seed: values.seed ? Number(values.seed) : undefined,
    shortTest,
    calibrate: true,
    progress(done, total) {
      const pct = Math.floor((100 * done) / total);
      if (pct >= last + 10 || done === total) {
        last = pct;
        process.stderr.write(`evaluated ${done}/${total} (${pct}%)\n`);
      }
    },
  });
  console.log(JSON.stringify(report));
} catch (err) {
  console.error(`eval failed: ${(err as Error).message}`);
  process.exit(1);
}
