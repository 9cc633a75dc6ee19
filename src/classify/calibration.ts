// Calibrated confidence: turns the local classifier's top probability into "the probability this answer is
// right", so that the cascade's threshold means the same for a one-line WeChat message as for a long letter.
// Per length bucket, a logistic regression (Platt scaling with a second input) on the top probability's logit
// and the log-ratio of the top two; learned from held-out predictions (calibrationFit.ts). Applying it is a few
// multiplications per appeal.

/** Texts up to this many characters are calibrated as short (WeChat-length) messages. */
export const SHORT_MAX_CHARS = 60;
/** A bucket with fewer held-out points than this (or too few of either outcome) uses the pooled fit. */
const MIN_POINTS = 40;
const MIN_EACH = 5;
const CLIP = 1e-4;

/** One length bucket: texts up to maxChars (null: any length) and the logistic weights [bias, logit p1, log p1/p2]. */
export interface CalibrationBucket {
  maxChars: number | null;
  weights: [number, number, number];
}

/** Plain data (it crosses from the training thread, and may be kept as JSON). */
export interface Calibration {
  buckets: CalibrationBucket[];
  /** How many held-out predictions it was fitted on, per bucket. */
  points: number[];
}

/** A held-out prediction: the top two probabilities, the text's length, and whether the top one was right. */
export interface CalibrationPoint {
  p1: number;
  p2: number;
  chars: number;
  right: boolean;
}

const clip = (p: number) => Math.min(1 - CLIP, Math.max(CLIP, p));
const logit = (p: number) => Math.log(clip(p) / (1 - clip(p)));

function inputs(p1: number, p2: number): [number, number, number] {
  return [1, logit(p1), Math.log(clip(p1) / clip(p2))];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Logistic regression by Newton's method, with a small L2 penalty on every weight but the first (the bias), so
 * that separable or tiny data still gives finite weights.
 */
export function fitLogistic(x: number[][], y: boolean[], l2 = 1e-3, iterations = 30): number[] {
  const d = x[0]?.length ?? 0;
  let w = new Array<number>(d).fill(0);
  const n = x.length;
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(d).fill(0);
    const h = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      let z = 0;
      for (let a = 0; a < d; a++) z += w[a] * xi[a];
      const p = sigmoid(z);
      const r = p - (y[i] ? 1 : 0);
      const s = Math.max(p * (1 - p), 1e-9);
      for (let a = 0; a < d; a++) {
        g[a] += r * xi[a];
        for (let b = 0; b < d; b++) h[a][b] += s * xi[a] * xi[b];
      }
    }
    for (let a = 1; a < d; a++) {
      g[a] += l2 * n * w[a];
      h[a][a] += l2 * n;
    }
    h[0][0] += 1e-9 * n;
    const step = solve(h, g);
    w = w.map((v, a) => v - step[a]);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return w;
}

/** Solves h·s = g (Gaussian elimination with partial pivoting; h is small and positive definite). */
function solve(h: number[][], g: number[]): number[] {
  const d = g.length;
  const m = h.map((row, i) => [...row, g[i]]);
  for (let c = 0; c < d; c++) {
    let pivot = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = 0; r < d; r++) {
      if (r === c || m[c][c] === 0) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= d; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => (row[i] ? row[d] / row[i] : 0));
}

const usable = (points: CalibrationPoint[]) => {
  const right = points.filter((p) => p.right).length;
  return points.length >= MIN_POINTS && right >= MIN_EACH && points.length - right >= MIN_EACH;
};

const fit = (points: CalibrationPoint[]) => fitLogistic(points.map((p) => inputs(p.p1, p.p2)), points.map((p) => p.right)) as [number, number, number];

/**
 * A calibration from held-out predictions: one fit for short texts and one for the rest; a bucket with too few
 * points takes the fit of all of them. Null when even all of them are too few (the raw confidence stays).
 */
export function fitCalibration(points: CalibrationPoint[]): Calibration | null {
  if (!usable(points)) return null;
  const short = points.filter((p) => p.chars <= SHORT_MAX_CHARS);
  const long = points.filter((p) => p.chars > SHORT_MAX_CHARS);
  const pooled = usable(short) && usable(long) ? null : fit(points);
  return {
    buckets: [
      { maxChars: SHORT_MAX_CHARS, weights: usable(short) ? fit(short) : pooled! },
      { maxChars: null, weights: usable(long) ? fit(long) : pooled! },
    ],
    points: [short.length, long.length],
  };
}

/** The calibrated probability that the top answer (probability p1, runner-up p2) of a text this long is right. */
export function calibrate(calibration: Calibration, p1: number, p2: number, chars: number): number {
  const bucket = calibration.buckets.find((b) => b.maxChars === null || chars <= b.maxChars) ?? calibration.buckets[calibration.buckets.length - 1];
  const [w0, w1, w2] = bucket.weights;
  const [, a, b] = inputs(p1, p2);
  return sigmoid(w0 + w1 * a + w2 * b);
}

/** A calibration that crossed a thread or came from a file, checked for shape. */
export function checkCalibration(c: unknown): Calibration {
  const x = c as Calibration;
  const ok =
    x &&
    Array.isArray(x.buckets) &&
    x.buckets.length > 0 &&
    x.buckets.every((b) => (b.maxChars === null || Number.isFinite(b.maxChars)) && Array.isArray(b.weights) && b.weights.length === 3 && b.weights.every(Number.isFinite));
  if (!ok) throw new Error("calibration has an unexpected shape");
  return x;
}

/**
 * Expected calibration error: the predictions in `bins` equal-width bins of confidence, and the mean, weighted
 * by each bin's share, of |mean confidence − share right|. 0 is perfectly calibrated.
 */
export function expectedCalibrationError(points: { p: number; right: boolean }[], bins = 10): number {
  if (!points.length) return 0;
  const count = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  const right = new Array<number>(bins).fill(0);
  for (const { p, right: r } of points) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b]++;
    confidence[b] += p;
    if (r) right[b]++;
  }
  let error = 0;
  for (let b = 0; b < bins; b++) if (count[b]) error += (count[b] / points.length) * Math.abs(confidence[b] / count[b] - right[b] / count[b]);
  return error;
}
