import { catalogueFromFile, readLabelled, kFolds } from "./src/classify/evaluate.ts";
import { LinearTextModel } from "./src/classify/linear.ts";
const cat = catalogueFromFile("test/fixtures/appeal-categories.csv");
const data = readLabelled("../shared/datasets/appeals-dev.tsv", cat);
const folds = kFolds(data.length, 5);
const labels = [...new Set(data.map((d) => d.code))];
function f1(pairs: [string, string][]) { let f = 0; for (const l of labels) { const tp = pairs.filter(([p, a]) => p === l && a === l).length, fp = pairs.filter(([p, a]) => p === l && a !== l).length, fn = pairs.filter(([p, a]) => p !== l && a === l).length; const pr = tp / (tp + fp || 1), rc = tp / (tp + fn || 1); f += pr + rc ? 2 * pr * rc / (pr + rc) : 0; } return (f / labels.length).toFixed(4); }
const pairs: [string, string][] = [];
for (const fold of folds) {
  const held = new Set(fold);
  const m = LinearTextModel.train(data.filter((_, i) => !held.has(i)).map((d) => ({ text: d.text, label: d.code })));
  for (const i of fold) pairs.push([m.predict(data[i].text, 1)[0].label, data[i].code]);
}
console.log(process.env.VARIANT, "macroF1", f1(pairs));
