// A linear text classifier learned from labelled appeals (confirmed cases): TF-IDF over character unigrams,
// bigrams and jieba words, trained as an averaged multiclass passive-aggressive model (Crammer–Singer hinge),
// class-balanced. Each update touches only the true and the best wrong label, so weights stay sparse and
// training and scoring stay fast with hundreds of labels. Deterministic: the shuffle is seeded.
import { segmenter } from "./tokenize.ts";
import { seededRandom, shuffle } from "./random.ts";

/** Feature counts for a text: Han/latin/digit characters, their bigrams, and jieba words of two or more characters. */
export function textFeatures(text: string): Map<string, number> {
  const m = new Map<string, number>();
  const add = (f: string) => m.set(f, (m.get(f) ?? 0) + 1);
  for (const run of text.replace(/[^\p{Script=Han}A-Za-z0-9]+/gu, " ").split(" ")) {
    for (let i = 0; i < run.length; i++) {
      add("c" + run[i]);
      if (i + 1 < run.length) add("b" + run.slice(i, i + 2));
    }
  }
  for (const w of segmenter().cut(text, true)) if (w.length > 1 && /\p{Script=Han}/u.test(w)) add("w" + w);
  return m;
}

export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

export interface TrainOptions {
  epochs?: number;
  /** Aggressiveness cap of each update. */
  c?: number;
  seed?: number;
}

/** Above this many labels the model is a nearest-centroid one (see train). */
export const CENTROID_ABOVE_LABELS = 60;

/** Per-feature label weights, compact after training. */
interface Row {
  labels: Int32Array;
  weights: Float32Array;
}

export class LinearTextModel {
  private constructor(
    readonly labels: string[],
    private readonly vocab: Map<string, number>,
    private readonly idf: Float32Array,
    private readonly rows: (Row | undefined)[],
    /** Scores are multiplied by this before the softmax that turns them into probabilities. */
    readonly temperature: number,
  ) {}

  static train(examples: { text: string; label: string }[], opts: TrainOptions = {}): LinearTextModel {
    const labels = [...new Set(examples.map((e) => e.label))].sort();
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const bags = examples.map((e) => textFeatures(e.text));

    // Vocabulary: features seen in at least two examples (one-off strings are noise, and memory).
    const df = new Map<string, number>();
    for (const bag of bags) for (const f of bag.keys()) df.set(f, (df.get(f) ?? 0) + 1);
    const vocab = new Map<string, number>();
    const idfValues: number[] = [];
    const n = bags.length;
    // With many labels, features common to a large share of examples spread into every label's weights and
    // make training slow while saying little: they are left out.
    const maxDf = labels.length > CENTROID_ABOVE_LABELS ? Math.max(50, n * 0.01) : n;
    for (const [f, d] of df) {
      if ((d < 2 && n > 20) || d > maxDf) continue;
      vocab.set(f, vocab.size);
      idfValues.push(Math.log((1 + n) / (1 + d)) + 1);
    }
    const idf = Float32Array.from(idfValues);
    const vectors = bags.map((bag) => vectorise(bag, vocab, idf));
    const y = examples.map((e) => labelIndex.get(e.label)!);
    // Many labels with few examples each (a city's dispatch catalogue): nearest centroid, trained in one pass.
    // Few labels with many examples: the discriminative model, which is more accurate there.
    const rows = labels.length > CENTROID_ABOVE_LABELS ? trainCentroids(vectors, y, labels.length) : trainPassiveAggressive(vectors, y, labels.length, opts);
    return new LinearTextModel(labels, vocab, idf, rows, labels.length > CENTROID_ABOVE_LABELS ? 20 : 8);
  }

  vector(text: string | Map<string, number>): SparseVector {
    return vectorise(typeof text === "string" ? textFeatures(text) : text, this.vocab, this.idf);
  }

  /** Raw scores by label index. */
  scores(v: SparseVector): Float64Array {
    const s = new Float64Array(this.labels.length);
    for (let q = 0; q < v.idx.length; q++) {
      const row = this.rows[v.idx[q]];
      if (!row) continue;
      const x = v.val[q];
      for (let j = 0; j < row.labels.length; j++) s[row.labels[j]] += row.weights[j] * x;
    }
    return s;
  }

  /** Probability by label index (a softmax of the scores). */
  probabilities(v: SparseVector): Float64Array {
    const s = this.scores(v);
    let max = -Infinity;
    for (const x of s) max = Math.max(max, x);
    let z = 0;
    for (let k = 0; k < s.length; k++) z += s[k] = Math.exp((s[k] - max) * this.temperature);
    for (let k = 0; k < s.length; k++) s[k] /= z;
    return s;
  }

  /** Labels with probabilities, most likely first. Takes the text or its textFeatures. */
  predict(text: string | Map<string, number>, top = 5): { label: string; p: number }[] {
    const p = this.probabilities(this.vector(text));
    return Array.from(p, (x, i) => ({ label: this.labels[i], p: x }))
      .sort((a, b) => b.p - a.p)
      .slice(0, top);
  }

  get featureCount(): number {
    return this.vocab.size;
  }

  get weightCount(): number {
    return this.rows.reduce((n, r) => n + (r?.labels.length ?? 0), 0);
  }
}

function vectorise(bag: Map<string, number>, vocab: Map<string, number>, idf: Float32Array): SparseVector {
  const idx: number[] = [];
  const val: number[] = [];
  let norm = 0;
  for (const [f, tf] of bag) {
    const i = vocab.get(f);
    if (i === undefined) continue;
    const x = (1 + Math.log(tf)) * idf[i];
    idx.push(i);
    val.push(x);
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  return { idx: Int32Array.from(idx), val: Float32Array.from(val, (x) => x / norm) };
}

/**
 * Averaged multiclass passive-aggressive training with class-balanced caps. Weights live in one dense
 * feature × label table while it fits (few labels: fast), else in per-feature maps (hundreds of labels: small).
 */
function trainPassiveAggressive(vectors: SparseVector[], y: number[], labelCount: number, opts: TrainOptions): (Row | undefined)[] {
  const epochs = opts.epochs ?? 15;
  const cap = opts.c ?? 0.2;
  const random = seededRandom(opts.seed ?? 1);
  let featureCount = 0;
  for (const v of vectors) for (const i of v.idx) if (i >= featureCount) featureCount = i + 1;
  const store = featureCount * labelCount <= 32_000_000 ? new DenseWeights(featureCount, labelCount) : new SparseWeights();
  const counts = new Float64Array(labelCount);
  for (const k of y) counts[k]++;
  const balance = Array.from(counts, (c) => (c ? vectors.length / (labelCount * c) : 1));
  const order = vectors.map((_, i) => i);
  const scores = new Float64Array(labelCount);
  let step = 1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const v = vectors[i];
      const target = y[i];
      scores.fill(0);
      store.score(v, scores);
      // The best wrong label (a label never scored has 0).
      let wrong = target === 0 ? 1 : 0;
      for (let k = 0; k < labelCount; k++) if (k !== target && scores[k] > scores[wrong]) wrong = k;
      if (wrong >= labelCount) continue;
      const loss = 1 - (scores[target] - scores[wrong]);
      if (loss > 0) {
        let sq = 0;
        for (let q = 0; q < v.val.length; q++) sq += v.val[q] * v.val[q];
        const tau = Math.min(cap * balance[target], loss / (2 * sq + 1e-12));
        store.update(v, target, tau, step);
        store.update(v, wrong, -tau, step);
      }
      step++;
    }
  }
  return store.averaged(step);
}

const MIN_CENTROID_WEIGHT = 0.01;

/** Each label's centroid (the normalised sum of its examples' vectors), as per-feature rows. */
function trainCentroids(vectors: SparseVector[], y: number[], labelCount: number): (Row | undefined)[] {
  const sums = Array.from({ length: labelCount }, () => new Map<number, number>());
  vectors.forEach((v, i) => {
    const sum = sums[y[i]];
    for (let q = 0; q < v.idx.length; q++) sum.set(v.idx[q], (sum.get(v.idx[q]) ?? 0) + v.val[q]);
  });
  const cells = new Map<number, [number[], number[]]>();
  sums.forEach((sum, k) => {
    let norm = 0;
    for (const x of sum.values()) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (const [f, x] of sum) {
      // Negligible weights cost scoring time and change no decision.
      if (x / norm < MIN_CENTROID_WEIGHT) continue;
      let cell = cells.get(f);
      if (!cell) cells.set(f, (cell = [[], []]));
      cell[0].push(k);
      cell[1].push(x / norm);
    }
  });
  const rows: (Row | undefined)[] = [];
  for (const [f, [labels, weights]] of cells) rows[f] = { labels: Int32Array.from(labels), weights: Float32Array.from(weights) };
  return rows;
}

interface WeightStore {
  score(v: SparseVector, into: Float64Array): void;
  update(v: SparseVector, label: number, tau: number, step: number): void;
  /** Averaged weights: w − Σ(step·Δ)/steps, as compact rows. */
  averaged(steps: number): (Row | undefined)[];
}

class DenseWeights implements WeightStore {
  private readonly w: Float64Array;
  private readonly u: Float64Array;
  constructor(private readonly features: number, private readonly labels: number) {
    this.w = new Float64Array(features * labels);
    this.u = new Float64Array(features * labels);
  }
  score(v: SparseVector, into: Float64Array) {
    const L = this.labels;
    for (let q = 0; q < v.idx.length; q++) {
      const o = v.idx[q] * L;
      const x = v.val[q];
      for (let k = 0; k < L; k++) into[k] += this.w[o + k] * x;
    }
  }
  update(v: SparseVector, label: number, tau: number, step: number) {
    for (let q = 0; q < v.idx.length; q++) {
      const o = v.idx[q] * this.labels + label;
      const d = tau * v.val[q];
      this.w[o] += d;
      this.u[o] += d * step;
    }
  }
  averaged(steps: number) {
    const rows: (Row | undefined)[] = [];
    for (let f = 0; f < this.features; f++) {
      const labels: number[] = [];
      const weights: number[] = [];
      for (let k = 0; k < this.labels; k++) {
        const o = f * this.labels + k;
        const avg = this.w[o] - this.u[o] / steps;
        if (avg !== 0) {
          labels.push(k);
          weights.push(avg);
        }
      }
      if (labels.length) rows[f] = { labels: Int32Array.from(labels), weights: Float32Array.from(weights) };
    }
    return rows;
  }
}

class SparseWeights implements WeightStore {
  private readonly rows = new Map<number, Map<number, [number, number]>>();
  score(v: SparseVector, into: Float64Array) {
    for (let q = 0; q < v.idx.length; q++) {
      const row = this.rows.get(v.idx[q]);
      if (!row) continue;
      for (const [k, cell] of row) into[k] += cell[0] * v.val[q];
    }
  }
  update(v: SparseVector, label: number, tau: number, step: number) {
    for (let q = 0; q < v.idx.length; q++) {
      let row = this.rows.get(v.idx[q]);
      if (!row) this.rows.set(v.idx[q], (row = new Map()));
      let cell = row.get(label);
      if (!cell) row.set(label, (cell = [0, 0]));
      const d = tau * v.val[q];
      cell[0] += d;
      cell[1] += d * step;
    }
  }
  averaged(steps: number) {
    const rows: (Row | undefined)[] = [];
    for (const [f, row] of this.rows) {
      const labels: number[] = [];
      const weights: number[] = [];
      for (const [k, [value, weighted]] of row) {
        const avg = value - weighted / steps;
        if (avg !== 0) {
          labels.push(k);
          weights.push(avg);
        }
      }
      rows[f] = { labels: Int32Array.from(labels), weights: Float32Array.from(weights) };
    }
    return rows;
  }
}
