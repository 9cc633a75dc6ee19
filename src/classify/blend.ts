// The learned classifier's probabilities: the list's keywords and examples (the prior), the linear model trained
// on confirmed cases and the most similar confirmed case, blended. Used by learned.ts to classify and by
// calibrationFit.ts to score held-out examples exactly as the service will.
import type { Catalogue } from "./catalogue.ts";
import { textFeatures, type LinearTextModel } from "./linear.ts";
import { best } from "./local.ts";
import type { NeighbourIndex } from "./neighbours.ts";

/** How much the learned model counts against the list's keywords, growing with the examples it has seen. */
const MODEL_WEIGHT = 0.85;
const MODEL_HALF_WEIGHT_AT = 30;
const PRIOR_TEMPERATURE = 12;
/** A confirmed case this similar to the appeal adds its matter this much probability (before renormalising). */
const NEIGHBOUR_MIN_SIMILARITY = 0.5;
const NEIGHBOUR_WEIGHT = 1;

const positionCache = new WeakMap<Catalogue, Map<string, number>>();
export function positions(catalogue: Catalogue): Map<string, number> {
  let map = positionCache.get(catalogue);
  if (!map) positionCache.set(catalogue, (map = new Map(catalogue.matters.map((m, i) => [m.code, i]))));
  return map;
}

/** Each model label's position in the catalogue (−1: not in it), worked out once per model and catalogue. */
const labelPositionCache = new WeakMap<LinearTextModel, WeakMap<Catalogue, Int32Array>>();
function labelPositions(model: LinearTextModel, catalogue: Catalogue): Int32Array {
  let byCatalogue = labelPositionCache.get(model);
  if (!byCatalogue) labelPositionCache.set(model, (byCatalogue = new WeakMap()));
  let at = byCatalogue.get(catalogue);
  if (!at) {
    const position = positions(catalogue);
    byCatalogue.set(catalogue, (at = Int32Array.from(model.labels, (label) => position.get(label) ?? -1)));
  }
  return at;
}

/**
 * Probability per matter code, most likely first: the best `limit` of them. `prior` is the list's keyword
 * scores in the catalogue's order (LocalClassifier.scores).
 */
export function blend(
  learned: { model: LinearTextModel | null; neighbours: NeighbourIndex | null },
  text: string,
  catalogue: Catalogue,
  prior: Float64Array,
  limit: number,
): { code: string; p: number }[] {
  const position = positions(catalogue);
  const p = new Float64Array(catalogue.matters.length);
  const { model, neighbours } = learned;
  const seen = neighbours?.size ?? 0;
  const modelWeight = model ? (MODEL_WEIGHT * seen) / (seen + MODEL_HALF_WEIGHT_AT) : 0;

  // The list's keywords and examples, as probabilities (prior is in the catalogue's order, like p).
  let top = 0;
  for (let i = 0; i < prior.length; i++) if (prior[i] > top) top = prior[i];
  let z = 0;
  for (let i = 0; i < prior.length; i++) z += p[i] = Math.exp((prior[i] - top) * PRIOR_TEMPERATURE);
  for (let i = 0; i < p.length; i++) p[i] = ((1 - modelWeight) * p[i]) / z;

  const bag = textFeatures(text);
  if (model) {
    const probabilities = model.probabilities(model.vector(bag));
    const at = labelPositions(model, catalogue);
    for (let k = 0; k < at.length; k++) if (at[k] >= 0) p[at[k]] += modelWeight * probabilities[k];
  }
  const near = neighbours?.nearest(bag, 1, NEIGHBOUR_MIN_SIMILARITY)[0];
  const nearAt = near ? position.get(near.label) : undefined;
  if (near && nearAt !== undefined) {
    p[nearAt] += NEIGHBOUR_WEIGHT * near.similarity;
    let total = 0;
    for (let i = 0; i < p.length; i++) total += p[i];
    for (let i = 0; i < p.length; i++) p[i] /= total;
  }
  return best(p, limit).map((i) => ({ code: catalogue.matters[i].code, p: p[i] }));
}
