// The local classifier: no network. Scores an appeal against each matter's name, keywords, description and
// example appeals (TF-IDF cosine over jieba words and character bigrams) plus a bonus for keywords found verbatim,
// weighted by how specific each keyword is to one matter.
import type { Catalogue, MatterInfo } from "./catalogue.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";
import { features } from "./tokenize.ts";
import { findLocation } from "../domain/location.ts";

type Vector = Map<string, number>;

interface Index {
  idf: Map<string, number>;
  /** feature → [matter index, weight]: scoring touches only matters that share a feature with the appeal. */
  postings: Map<string, [number, number][]>;
  keywords: { word: string; weight: number }[][];
}

const KEYWORD_BONUS = 0.25;
/** Below this score nothing fits. */
const MIN_SCORE = 0.12;
const SOFTMAX_TEMPERATURE = 0.08;
const URGENT = /危险|紧急|马上|随时|差点|受伤|漏电|冒火花|砸到|掉下去|救命/;
/** The question a matter that needs a place asks when the appeal names none (questions.ts). */
export const LOCATION_QUESTION = "location" as const;

function addWeighted(vec: Vector, feats: string[], weight: number) {
  for (const f of feats) vec.set(f, (vec.get(f) ?? 0) + weight);
}

function normalise(vec: Vector, idf: Map<string, number>, unknownIdf: number): Vector {
  let norm = 0;
  for (const [f, tf] of vec) {
    const w = tf * (idf.get(f) ?? unknownIdf);
    vec.set(f, w);
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [f, w] of vec) vec.set(f, w / norm);
  return vec;
}

function buildIndex(matters: MatterInfo[]): Index {
  const raw = matters.map((m) => {
    const v: Vector = new Map();
    addWeighted(v, features(m.name), 3);
    addWeighted(v, features(m.keywords.join(" ")), 3);
    addWeighted(v, features(m.category), 1);
    addWeighted(v, features(m.description), 1);
    for (const e of m.examples) addWeighted(v, features(e), 1.5);
    return v;
  });
  const df = new Map<string, number>();
  for (const v of raw) for (const f of v.keys()) df.set(f, (df.get(f) ?? 0) + 1);
  const n = matters.length;
  const idf = new Map([...df].map(([f, d]) => [f, Math.log(1 + n / d)]));

  const keywordOwners = new Map<string, number>();
  for (const m of matters) for (const k of new Set(m.keywords)) keywordOwners.set(k, (keywordOwners.get(k) ?? 0) + 1);
  const postings = new Map<string, [number, number][]>();
  raw.forEach((v, i) => {
    for (const [f, w] of normalise(v, idf, 0)) {
      let list = postings.get(f);
      if (!list) postings.set(f, (list = []));
      list.push([i, w]);
    }
  });
  return {
    idf,
    postings,
    keywords: matters.map((m) =>
      [...new Set(m.keywords)].filter((k) => k.length >= 2).map((k) => ({ word: k, weight: 1 / keywordOwners.get(k)! })),
    ),
  };
}

const indexes = new WeakMap<Catalogue, Index>();

/** Indices of the `k` largest values, largest first, without sorting them all. */
export function best(values: Float64Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (top.length === k && v <= values[top[k - 1]]) continue;
    let at = top.length;
    while (at > 0 && values[top[at - 1]] < v) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

export class LocalClassifier implements Classifier {
  readonly name = "local";

  /** Every matter's score, in the catalogue's order. */
  scores(text: string, catalogue: Catalogue): Float64Array {
    let index = indexes.get(catalogue);
    if (!index) indexes.set(catalogue, (index = buildIndex(catalogue.matters)));
    const q: Vector = new Map();
    addWeighted(q, features(text), 1);
    // Words the list never uses carry no information about which matter it is.
    const query = normalise(q, index.idf, 0);
    const score = new Float64Array(catalogue.matters.length);
    for (const [f, w] of query) for (const [i, x] of index.postings.get(f) ?? []) score[i] += w * x;
    index.keywords.forEach((keywords, i) => {
      let bonus = 0;
      for (const k of keywords) if (text.includes(k.word)) bonus += k.weight;
      score[i] += KEYWORD_BONUS * Math.min(bonus, 3);
    });
    return score;
  }

  async classify(input: ClassifyInput, catalogue: Catalogue, scores = this.scores(input.text, catalogue)): Promise<Classification> {
    const ranked = best(scores, 5).map((i) => ({ code: catalogue.matters[i].code, score: scores[i] }));
    const top = ranked[0];
    const alternatives = ranked.slice(0, 5).map((r) => ({ code: r.code, score: Number(r.score.toFixed(4)) }));
    const urgency = URGENT.test(input.text) ? "urgent" : "normal";
    if (!top || top.score < MIN_SCORE) {
      return { matterCode: null, urgency, confidence: 0, missingInfo: [], rationale: "未匹配到职责清单中的事项", source: "local", alternatives };
    }
    // Softmax over the leading scores: a clear winner gets most of the mass; a weak match is damped further.
    const exps = ranked.map((r) => Math.exp((r.score - top.score) / SOFTMAX_TEMPERATURE));
    const share = 1 / exps.reduce((a, b) => a + b, 0);
    const strength = Math.min(1, top.score / 0.45);
    const matter = catalogue.byCode.get(top.code)!;
    const missingInfo = matter.needsLocation && !findLocation(input.text) ? [LOCATION_QUESTION] : [];
    return {
      matterCode: top.code,
      urgency,
      confidence: Number((share * strength).toFixed(3)),
      missingInfo,
      rationale: `按关键词和示例匹配到“${matter.name}”`,
      source: "local",
      alternatives,
    };
  }
}
