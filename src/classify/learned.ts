// The local classifier with what the deployment has learned: the linear model trained on confirmed cases,
// blended with the list's own keywords and examples (so matters nobody has confirmed yet still get found).
import type { Catalogue } from "./catalogue.ts";
import type { Learned } from "./learning.ts";
import { train } from "./learning.ts";
import { textFeatures, type LinearTextModel } from "./linear.ts";
import { best, LocalClassifier } from "./local.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";
import { findLocation } from "../domain/location.ts";
import { LOCATION_QUESTION } from "./local.ts";
import { CANDIDATES, FULL_LIST_MAX } from "./prompt.ts";

/** How much the learned model counts against the list's keywords, growing with the examples it has seen. */
const MODEL_WEIGHT = 0.85;
const MODEL_HALF_WEIGHT_AT = 30;
const PRIOR_TEMPERATURE = 12;
/** A confirmed case this similar to the appeal adds its matter this much probability (before renormalising). */
const NEIGHBOUR_MIN_SIMILARITY = 0.5;
const NEIGHBOUR_WEIGHT = 1;

const positionCache = new WeakMap<Catalogue, Map<string, number>>();
function positions(catalogue: Catalogue): Map<string, number> {
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

export class LearnedClassifier implements Classifier {
  readonly name = "local";
  private readonly keywords = new LocalClassifier();

  /** `learned` is read on every call, so a retrained model takes effect at once. */
  constructor(private readonly learned: () => Learned) {}

  static train(examples: { text: string; label: string }[]): LearnedClassifier {
    const learned = train(examples);
    return new LearnedClassifier(() => learned);
  }

  /** Probability per matter code, most likely first: the best `limit` of them. */
  ranked(text: string, catalogue: Catalogue, prior = this.keywords.scores(text, catalogue), limit = CANDIDATES): { code: string; p: number }[] {
    const position = positions(catalogue);
    const p = new Float64Array(catalogue.matters.length);
    const { model, neighbours } = this.learned();
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

  /** What the LLM should see besides the appeal: the best candidates (for a large list) and similar confirmed cases. */
  llmContext(text: string, catalogue: Catalogue): Pick<ClassifyInput, "candidates" | "examples"> {
    const { neighbours } = this.learned();
    return {
      candidates: catalogue.matters.length > FULL_LIST_MAX ? this.ranked(text, catalogue).slice(0, CANDIDATES).map((r) => r.code) : undefined,
      examples: neighbours?.nearest(text, 3, 0.3).map((n) => ({ text: n.text, code: n.label })),
    };
  }

  async classify(input: ClassifyInput, catalogue: Catalogue): Promise<Classification> {
    const prior = this.keywords.scores(input.text, catalogue);
    const base = await this.keywords.classify(input, catalogue, prior);
    const { neighbours } = this.learned();
    // Nothing learned yet: the list's keywords and examples decide, as they are.
    if (!neighbours) return base;
    const ranked = this.ranked(input.text, catalogue, prior);
    const top = ranked[0];
    if (!top) return base;
    const matter = catalogue.byCode.get(top.code)!;
    return {
      ...base,
      matterCode: top.code,
      confidence: Number(top.p.toFixed(3)),
      missingInfo: matter.needsLocation && !findLocation(input.text) ? [LOCATION_QUESTION] : [],
      rationale: `按已确认的诉求和关键词匹配到“${matter.name}”`,
      alternatives: ranked.slice(0, 5).map((r) => ({ code: r.code, score: Number(r.p.toFixed(4)) })),
    };
  }
}
