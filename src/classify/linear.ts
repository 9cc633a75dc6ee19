// A linear text classifier learned from labelled appeals (confirmed cases): TF-IDF over character unigrams,
// bigrams and jieba words; with a few dozen labels an NB-SVM (Naive Bayes log-count ratios, then averaged
// passive-aggressive, one label against the rest, class-balanced), with hundreds a nearest-centroid model.
// Deterministic: the shuffle is seeded.
import { segmenter } from "./tokenize.ts";
import { seededRandom, shuffle } from "./random.ts";

/** Feature counts for a text: Han/latin/digit characters, their bigrams, and jieba words of two or more characters. */
export function textFeatures(text: string): Map<string, number> {
  const m = new Map<string, number>();
  const add = (f: string) => m.set(f, (m.get(f) ?? 0) + 1);
  // Runs of kept characters, read by UTF-16 unit as they always were (an astral character gives two units).
  let kept = text.length > 0 && keptAt(text, 0);
  for (let i = 0; i < text.length; i++) {
    if (!kept) {
      kept = i + 1 < text.length && keptAt(text, i + 1);
      continue;
    }
    add(charFeature(text, i));
    const next = i + 1 < text.length && keptAt(text, i + 1);
    if (next) add("b" + text.slice(i, i + 2));
    kept = next;
  }
  for (const w of segmenter().cut(text, true)) if (w.length > 1 && HAN.test(w)) add("w" + w);
  return m;
}

const HAN = /\p{Script=Han}/u;
const KEPT = /^[\p{Script=Han}A-Za-z0-9]$/u;
/** Per BMP unit: 0 not yet known, 1 kept, 2 not kept; and the unit's feature string, made once. */
const keptUnit = new Uint8Array(0x10000);
const charFeatures: string[] = [];

/** Whether the unit at i belongs to a Han/latin/digit character (for a surrogate, the pair it is part of). */
function keptAt(text: string, i: number): boolean {
  const unit = text.charCodeAt(i);
  if (unit >= 0xd800 && unit <= 0xdfff) {
    const start = unit >= 0xdc00 && i > 0 && isHigh(text.charCodeAt(i - 1)) ? i - 1 : i;
    const cp = text.codePointAt(start)!;
    return KEPT.test(String.fromCodePoint(cp));
  }
  if (keptUnit[unit] === 0) keptUnit[unit] = KEPT.test(text[i]) ? 1 : 2;
  return keptUnit[unit] === 1;
}
const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;

function charFeature(text: string, i: number): string {
  const unit = text.charCodeAt(i);
  return (charFeatures[unit] ??= "c" + text[i]);
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

/**
 * Label weights by feature, compact after training (compressed sparse rows): feature f's weights are at
 * start[f] up to start[f + 1]. Three flat arrays score several times faster than an object per feature.
 */
interface Weights {
  start: Int32Array;
  label: Int32Array;
  weight: Float32Array;
}

/** Lays out the weights that `cells` gives for each feature in turn. */
function compact(featureCount: number, cells: (f: number, add: (label: number, weight: number) => void) => void): Weights {
  const start = new Int32Array(featureCount + 1);
  const label: number[] = [];
  const weight: number[] = [];
  const add = (k: number, w: number) => {
    label.push(k);
    weight.push(w);
  };
  for (let f = 0; f < featureCount; f++) {
    start[f] = label.length;
    cells(f, add);
  }
  start[featureCount] = label.length;
  return { start, label: Int32Array.from(label), weight: Float32Array.from(weight) };
}

/** A LinearTextModel as structured-cloneable data: features in id order, the weights' arrays as they are. */
export interface TransferredModel {
  labels: string[];
  features: string[];
  idf: Float32Array;
  start: Int32Array;
  label: Int32Array;
  weight: Float32Array;
  bias: Float32Array;
  temperature: number;
}

/** The array itself when it spans its whole buffer (so moving the buffer moves nothing else), else a copy. */
function ownBuffer<T extends Float32Array | Int32Array>(a: T): T {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
}

export class LinearTextModel {
  private constructor(
    readonly labels: string[],
    private readonly vocab: Map<string, number>,
    private readonly idf: Float32Array,
    private readonly weights: Weights,
    /** Each label's score before any feature (the NB-SVM's bias; 0 for centroids). */
    private readonly bias: Float32Array,
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
    if (labels.length > CENTROID_ABOVE_LABELS) return new LinearTextModel(labels, vocab, idf, trainCentroids(vectors, y, labels.length, vocab.size), new Float32Array(labels.length), 20);
    // Temperature 3: the one that minimised the log-loss of held-out predictions within the training folds.
    const { weights, bias } = trainNbPassiveAggressive(vectors, y, labels.length, opts);
    return new LinearTextModel(labels, vocab, idf, weights, bias, 3);
  }

  vector(text: string | Map<string, number>): SparseVector {
    return vectorise(typeof text === "string" ? textFeatures(text) : text, this.vocab, this.idf);
  }

  /** Raw scores by label index. */
  scores(v: SparseVector): Float64Array {
    const s = new Float64Array(this.labels.length);
    s.set(this.bias);
    const { start, label, weight } = this.weights;
    for (let q = 0; q < v.idx.length; q++) {
      const f = v.idx[q];
      const x = v.val[q];
      for (let j = start[f], end = start[f + 1]; j < end; j++) s[label[j]] += weight[j] * x;
    }
    return s;
  }

  /** Probability by label index (a softmax of the scores). */
  probabilities(v: SparseVector): Float64Array {
    const s = this.scores(v);
    let max = -Infinity;
    for (let k = 0; k < s.length; k++) if (s[k] > max) max = s[k];
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

  /**
   * The model as plain data for another thread (postMessage drops a class's prototype), with the buffers to move
   * rather than copy. The typed arrays are moved: this model cannot score after it has been sent.
   */
  toTransfer(): { data: TransferredModel; transfer: ArrayBuffer[] } {
    const features: string[] = new Array(this.vocab.size);
    for (const [f, i] of this.vocab) features[i] = f;
    const data: TransferredModel = {
      labels: this.labels,
      features,
      idf: ownBuffer(this.idf),
      start: ownBuffer(this.weights.start),
      label: ownBuffer(this.weights.label),
      weight: ownBuffer(this.weights.weight),
      bias: ownBuffer(this.bias),
      temperature: this.temperature,
    };
    const transfer = [data.idf, data.start, data.label, data.weight, data.bias].map((a) => a.buffer as ArrayBuffer);
    return { data, transfer };
  }

  /** The model that toTransfer sent, checked for shape (it crossed a thread boundary). */
  static fromTransfer(d: TransferredModel): LinearTextModel {
    const features = d.features.length;
    if (d.idf.length !== features || d.start.length !== features + 1 || d.label.length !== d.weight.length || d.start[features] !== d.weight.length || d.bias.length !== d.labels.length) {
      throw new Error("transferred model has inconsistent array sizes");
    }
    const vocab = new Map<string, number>();
    for (let i = 0; i < features; i++) vocab.set(d.features[i], i);
    return new LinearTextModel(d.labels, vocab, d.idf, { start: d.start, label: d.label, weight: d.weight }, d.bias, d.temperature);
  }

  get featureCount(): number {
    return this.vocab.size;
  }

  get weightCount(): number {
    return this.weights.weight.length;
  }
}

function vectorise(bag: Map<string, number>, vocab: Map<string, number>, idf: Float32Array): SparseVector {
  const { ids, weights } = tfidf(bag, vocab, idf);
  return { idx: ids.slice(), val: Float32Array.from(weights) };
}

/** TF-IDF weights (sublinear tf) of a text's known features, L2-normalised: feature ids and their weights. */
export function tfidf(bag: Map<string, number>, vocab: Map<string, number>, idf: ArrayLike<number>): { ids: Int32Array; weights: Float64Array } {
  const ids = new Int32Array(bag.size);
  const weights = new Float64Array(bag.size);
  let n = 0;
  let norm = 0;
  for (const [f, tf] of bag) {
    const id = vocab.get(f);
    if (id === undefined) continue;
    const w = (1 + Math.log(tf)) * idf[id];
    ids[n] = id;
    weights[n++] = w;
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (let q = 0; q < n; q++) weights[q] /= norm;
  return { ids: ids.subarray(0, n), weights: weights.subarray(0, n) };
}

/**
 * NB-SVM (Wang & Manning 2012), one label against the rest: each label's features are scaled by their Naive Bayes
 * log-count ratio r (how much more often a feature occurs in that label's examples than in the others'), then an
 * averaged binary passive-aggressive model with a bias is learned on the scaled vectors, class-balanced. The
 * label's weights are w·r, so scoring stays one sparse dot product. On the appeals this beats the multiclass
 * model without the ratios (nested cross-validation: macro-F1 0.887 against 0.870).
 */
function trainNbPassiveAggressive(vectors: SparseVector[], y: number[], labelCount: number, opts: TrainOptions): { weights: Weights; bias: Float32Array } {
  const epochs = opts.epochs ?? 15;
  const cap = opts.c ?? 0.5;
  let featureCount = 0;
  for (const v of vectors) for (const i of v.idx) if (i >= featureCount) featureCount = i + 1;
  // Documents containing each feature, in all and per label (Laplace-smoothed below: α = 1).
  const inAll = new Float64Array(featureCount);
  const inLabel = Array.from({ length: labelCount }, () => new Float64Array(featureCount));
  vectors.forEach((v, i) => {
    for (const f of v.idx) {
      inAll[f]++;
      inLabel[y[i]][f]++;
    }
  });
  const weights: Float32Array[] = [];
  const bias = new Float32Array(labelCount);
  const ratio = new Float64Array(featureCount);
  const scaled = vectors.map((v) => ({ idx: v.idx, val: new Float64Array(v.val.length) }));
  for (let k = 0; k < labelCount; k++) {
    const mine = inLabel[k];
    let p = 0;
    let q = 0;
    for (let f = 0; f < featureCount; f++) {
      p += mine[f] + 1;
      q += inAll[f] - mine[f] + 1;
    }
    for (let f = 0; f < featureCount; f++) ratio[f] = Math.log((mine[f] + 1) / p) - Math.log((inAll[f] - mine[f] + 1) / q);
    scaled.forEach((s, i) => {
      const v = vectors[i];
      for (let j = 0; j < v.idx.length; j++) s.val[j] = v.val[j] * ratio[v.idx[j]];
    });
    const { w, b } = trainBinary(scaled, y.map((t) => t === k), featureCount, epochs, cap, opts.seed ?? 1);
    for (let f = 0; f < featureCount; f++) w[f] *= ratio[f];
    weights.push(w);
    bias[k] = b;
  }
  const compacted = compact(featureCount, (f, add) => {
    for (let k = 0; k < labelCount; k++) if (weights[k][f] !== 0) add(k, weights[k][f]);
  });
  return { weights: compacted, bias };
}

/** Averaged binary passive-aggressive (PA-I) with a bias; the cap is scaled so both sides weigh the same in all. */
function trainBinary(vectors: { idx: Int32Array; val: Float64Array }[], positive: boolean[], featureCount: number, epochs: number, cap: number, seed: number) {
  const random = seededRandom(seed);
  const w = new Float64Array(featureCount);
  const u = new Float64Array(featureCount);
  let b = 0;
  let ub = 0;
  const positives = positive.filter(Boolean).length;
  const capPositive = (cap * vectors.length) / (2 * Math.max(1, positives));
  const capNegative = (cap * vectors.length) / (2 * Math.max(1, vectors.length - positives));
  const order = vectors.map((_, i) => i);
  let step = 1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const v = vectors[i];
      const sign = positive[i] ? 1 : -1;
      let score = b;
      for (let q = 0; q < v.idx.length; q++) score += w[v.idx[q]] * v.val[q];
      const loss = 1 - sign * score;
      if (loss > 0) {
        let sq = 1; // the bias's input
        for (let q = 0; q < v.val.length; q++) sq += v.val[q] * v.val[q];
        const tau = sign * Math.min(positive[i] ? capPositive : capNegative, loss / sq);
        for (let q = 0; q < v.idx.length; q++) {
          const d = tau * v.val[q];
          w[v.idx[q]] += d;
          u[v.idx[q]] += d * step;
        }
        b += tau;
        ub += tau * step;
      }
      step++;
    }
  }
  const averaged = new Float32Array(featureCount);
  for (let f = 0; f < featureCount; f++) averaged[f] = w[f] - u[f] / step;
  return { w: averaged, b: b - ub / step };
}

const MIN_CENTROID_WEIGHT = 0.01;

/** Each label's centroid (the normalised sum of its examples' vectors), by feature. */
function trainCentroids(vectors: SparseVector[], y: number[], labelCount: number, featureCount: number): Weights {
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
  return compact(featureCount, (f, add) => {
    const cell = cells.get(f);
    if (cell) for (let j = 0; j < cell[0].length; j++) add(cell[0][j], cell[1][j]);
  });
}
