// Measures a classifier on labelled appeals: a held-out test set, or K-fold cross-validation on the training set.
// Used by `npm run eval` (and later by the administrators' console).
import { readFileSync } from "node:fs";
import { Catalogue, type MatterInfo } from "./catalogue.ts";
import { LearnedClassifier } from "./learned.ts";
import type { LlmClassifier } from "./llm.ts";
import { parseMatterCsv, parseMatterFile, type MatterRow } from "../responsibility/parse.ts";
import { codeForName } from "../responsibility/apply.ts";
import { seededRandom, shuffle } from "./random.ts";
import { expectedCalibrationError, SHORT_MAX_CHARS } from "./calibration.ts";
import { shortWindow } from "./calibrationFit.ts";

export interface Labelled {
  text: string;
  code: string;
}

/** A list file (CSV or XLSX, the import format) as a catalogue, without a database. */
export async function loadCatalogueFile(file: string): Promise<Catalogue> {
  return catalogueFromRows(await parseMatterFile(file, readFileSync(file)));
}

/** A CSV list file as a catalogue, without a database. */
export function catalogueFromFile(file: string): Catalogue {
  return catalogueFromRows(parseMatterCsv(readFileSync(file)));
}

function catalogueFromRows(rows: MatterRow[]): Catalogue {
  return new Catalogue(
    rows
      .map((r, i): MatterInfo => ({
        id: i + 1,
        code: r.code ?? codeForName(r.name, r.category),
        name: r.name,
        category: r.category,
        description: r.description,
        keywords: r.keywords,
        examples: r.examples,
        needsLocation: r.needsLocation ?? true,
        leadUnit: r.leadUnit ? { id: 0, name: r.leadUnit } : null,
        leadRole: null,
        cooperatingUnits: [],
        cooperatingRoles: [],
        responseHours: r.responseHours ?? 24,
        resolveDays: r.resolveDays ?? 5,
      }))
      .sort((a, b) => a.code.localeCompare(b.code)),
  );
}

/** `text<TAB>label` lines; the label names a matter by code or by name. */
export function readLabelled(file: string, catalogue: Catalogue): Labelled[] {
  const byName = new Map(catalogue.matters.map((m) => [m.name, m.code]));
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => line.trim())
    .map(({ line, n }) => {
      const tab = line.lastIndexOf("\t");
      if (tab < 0) throw new Error(`${file}:${n}: expected "text<TAB>label"`);
      const label = line.slice(tab + 1).trim();
      const code = catalogue.byCode.has(label) ? label : byName.get(label);
      if (!code) throw new Error(`${file}:${n}: label "${label}" is neither a code nor a name in the list`);
      return { text: line.slice(0, tab).trim(), code };
    });
}

export interface EvalOptions {
  catalogue: Catalogue;
  train: Labelled[];
  test?: Labelled[];
  folds?: number;
  classifier: "local" | "llm" | "cascade";
  llm?: LlmClassifier;
  /** Cascade: the local classifier decides at or above this probability. */
  threshold?: number;
  seed?: number;
  /**
   * Learn the confidence calibration within each training set (cross-validation inside it, as the service's
   * training thread does) and decide with it; off, the raw confidence (the administrators' evaluation, which
   * reports accuracy only, stays as fast).
   */
  calibrate?: boolean;
  /** Short messages labelled by hand, measured by the local classifier trained on all of `train`. */
  shortTest?: Labelled[];
  progress?: (done: number, total: number) => void;
}

/** The local classifier's confidence on one kind of text: how well calibrated, and what the cascade would do. */
export interface ConfidenceReport {
  n: number;
  /** Expected calibration error (10 bins) of the confidence the cascade uses, and of the uncalibrated one. */
  ece: number;
  eceUncalibrated: number;
  /** At the threshold: the share decided locally, their precision, and the share sent to the LLM. */
  coverage: number;
  localPrecision: number | null;
  llmCallsPerAppeal: number;
  /** The share whose top answer is right, whatever the confidence. */
  accuracy: number;
  /**
   * What the best threshold could reach, whatever its value: the largest share of the most confident answers
   * that is at least 95% right (the confidence's ranking, not its calibration, limits it).
   */
  coverageAt95: number;
  /** The same with the uncalibrated confidence (the cascade before calibration). */
  uncalibrated: { coverage: number; localPrecision: number | null; llmCallsPerAppeal: number; coverageAt95: number };
  tradeoff: { threshold: number; coverage: number; localPrecision: number | null }[];
}

export interface EvalReport {
  n: number;
  accuracy: number;
  macroF1: number;
  perLabel: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  llmCalls: number;
  llmCallsPerAppeal: number;
  meanPromptChars: number;
  coverage: number;
  localPrecision: number | null;
  msPerAppeal: number;
  folds?: number;
  threshold?: number;
  /** The most frequent mistakes (matter names). */
  confusions: { actual: string; predicted: string; count: number }[];
  /** What a cascade would decide locally at each threshold, from the local classifier's confidences. */
  tradeoff?: { threshold: number; coverage: number; localPrecision: number | null }[];
  /**
   * The local classifier's confidence at the threshold (0.9 unless given): on the test texts longer than a
   * WeChat message, on short ones (the test texts of 60 characters or fewer and the first 20–40 characters of
   * each longer one), and on the hand-labelled short messages when given.
   */
  confidence?: { threshold: number; long: ConfidenceReport; short: ConfidenceReport; handLabelled?: ConfidenceReport };
}

interface ConfidencePoint {
  p: number;
  raw: number;
  right: boolean;
}

/** Disjoint folds of 0..n-1, shuffled with a fixed seed. */
export function kFolds(n: number, k: number, seed = 7): number[][] {
  const order = shuffle(Array.from({ length: n }, (_, i) => i), seededRandom(seed));
  return Array.from({ length: k }, (_, f) => order.filter((_, i) => i % k === f));
}

export async function evaluate(o: EvalOptions): Promise<EvalReport> {
  const rounds: { train: Labelled[]; test: Labelled[] }[] = o.folds
    ? kFolds(o.train.length, o.folds, o.seed).map((fold) => {
        const held = new Set(fold);
        return { train: o.train.filter((_, i) => !held.has(i)), test: fold.map((i) => o.train[i]) };
      })
    : [{ train: o.train, test: o.test ?? [] }];
  const total = rounds.reduce((n, r) => n + r.test.length, 0);
  const pairs: { predicted: string | null; actual: string; local: boolean }[] = [];
  const confidences: { p: number; right: boolean }[] = [];
  const long: ConfidencePoint[] = [];
  const short: ConfidencePoint[] = [];
  const windows = seededRandom((o.seed ?? 7) + 1);
  const threshold = o.threshold ?? 0.9;
  let llmCalls = 0;
  let promptChars = 0;
  const started = performance.now();

  for (const round of rounds) {
    const local = o.classifier === "llm" ? null : LearnedClassifier.train(round.train.map((e) => ({ text: e.text, label: e.code })), o.calibrate ? o.catalogue : undefined);
    for (const item of round.test) {
      // In the service (the administrators' evaluation) other work goes on between appeals.
      if (pairs.length % 50 === 49) await new Promise((r) => setImmediate(r));
      let predicted: string | null = null;
      let decidedLocally = false;
      if (local) {
        const ranked = local.ranked(item.text, o.catalogue);
        const top = ranked[0];
        const p = local.confidence(item.text, ranked);
        if (top) confidences.push({ p, right: top.code === item.code });
        if (top) (item.text.length > SHORT_MAX_CHARS ? long : short).push({ p, raw: top.p, right: top.code === item.code });
        if (item.text.length > SHORT_MAX_CHARS) short.push(...confidencePoints(local, [{ text: shortWindow(item.text, windows), code: item.code }], o.catalogue));
        if (o.classifier === "local" || (top && p >= threshold)) {
          predicted = top?.code ?? null;
          decidedLocally = true;
        }
      }
      if (!decidedLocally) {
        if (!o.llm) throw new Error("the llm and cascade classifiers need OPENAI_BASE_URL or OPENAI_API_KEY");
        llmCalls++;
        const input = { text: item.text, ...local?.llmContext(item.text, o.catalogue) };
        promptChars += o.llm.promptChars(input, o.catalogue);
        try {
          predicted = (await o.llm.classify(input, o.catalogue)).matterCode;
        } catch {
          predicted = null; // a failed call counts as a wrong answer
        }
      }
      pairs.push({ predicted, actual: item.code, local: decidedLocally });
      o.progress?.(pairs.length, total);
    }
  }
  let handLabelled: ConfidenceReport | undefined;
  if (o.shortTest?.length && o.classifier !== "llm") {
    const local = LearnedClassifier.train(o.train.map((e) => ({ text: e.text, label: e.code })), o.calibrate ? o.catalogue : undefined);
    handLabelled = confidenceReport(confidencePoints(local, o.shortTest, o.catalogue), threshold);
  }
  const confidence = long.length || short.length ? { threshold, long: confidenceReport(long, threshold), short: confidenceReport(short, threshold), ...(handLabelled ? { handLabelled } : {}) } : undefined;
  return { ...score(pairs, o.catalogue), confusions: confusions(pairs, o.catalogue), llmCalls, llmCallsPerAppeal: ratio(llmCalls, pairs.length), meanPromptChars: llmCalls ? Math.round(promptChars / llmCalls) : 0, msPerAppeal: round4((performance.now() - started) / Math.max(1, pairs.length)), ...(o.folds ? { folds: o.folds } : {}), ...(o.classifier === "cascade" ? { threshold: o.threshold ?? 0.9 } : {}), ...(confidences.length ? { tradeoff: tradeoff(confidences) } : {}), ...(confidence ? { confidence } : {}) };
}

function confidencePoints(local: LearnedClassifier, items: Labelled[], catalogue: Catalogue): ConfidencePoint[] {
  return items.flatMap((item) => {
    const ranked = local.ranked(item.text, catalogue);
    return ranked[0] ? [{ p: local.confidence(item.text, ranked), raw: ranked[0].p, right: ranked[0].code === item.code }] : [];
  });
}

function atThreshold(points: { p: number; right: boolean }[], threshold: number) {
  const decided = points.filter((c) => c.p >= threshold);
  return {
    coverage: ratio(decided.length, points.length),
    localPrecision: decided.length ? ratio(decided.filter((c) => c.right).length, decided.length) : null,
    llmCallsPerAppeal: ratio(points.length - decided.length, points.length),
  };
}

/** The largest share of the most confident answers at least `precision` right (ties taken together). */
export function coverageAtPrecision(points: { p: number; right: boolean }[], precision = 0.95): number {
  const sorted = [...points].sort((a, b) => b.p - a.p);
  let right = 0;
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].right) right++;
    const endOfTie = i + 1 === sorted.length || sorted[i + 1].p < sorted[i].p;
    if (endOfTie && right >= precision * (i + 1) - 1e-9) most = i + 1;
  }
  return ratio(most, sorted.length);
}

function confidenceReport(points: ConfidencePoint[], threshold: number): ConfidenceReport {
  const raw = points.map((c) => ({ p: c.raw, right: c.right }));
  return {
    n: points.length,
    ece: round4(expectedCalibrationError(points)),
    eceUncalibrated: round4(expectedCalibrationError(raw)),
    ...atThreshold(points, threshold),
    accuracy: ratio(points.filter((c) => c.right).length, points.length),
    coverageAt95: coverageAtPrecision(points),
    uncalibrated: { ...atThreshold(raw, threshold), coverageAt95: coverageAtPrecision(raw) },
    tradeoff: tradeoff(points),
  };
}

const round4 = (x: number) => Number(x.toFixed(4));

export const TRADEOFF_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

function tradeoff(confidences: { p: number; right: boolean }[]) {
  return TRADEOFF_THRESHOLDS.map((threshold) => {
    const decided = confidences.filter((c) => c.p >= threshold);
    return {
      threshold,
      coverage: ratio(decided.length, confidences.length),
      localPrecision: decided.length ? ratio(decided.filter((c) => c.right).length, decided.length) : null,
    };
  });
}
const ratio = (a: number, b: number) => (b ? round4(a / b) : 0);

export function score(pairs: { predicted: string | null; actual: string; local: boolean }[], catalogue: Catalogue) {
  const labels = [...new Set(pairs.map((p) => p.actual))].sort();
  const perLabel: EvalReport["perLabel"] = {};
  let f1Sum = 0;
  for (const code of labels) {
    const tp = pairs.filter((p) => p.predicted === code && p.actual === code).length;
    const fp = pairs.filter((p) => p.predicted === code && p.actual !== code).length;
    const fn = pairs.filter((p) => p.predicted !== code && p.actual === code).length;
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    f1Sum += f1;
    const name = catalogue.byCode.get(code)?.name ?? code;
    perLabel[name] = { precision: round4(precision), recall: round4(recall), f1: round4(f1), support: tp + fn };
  }
  const correct = pairs.filter((p) => p.predicted === p.actual).length;
  const localPairs = pairs.filter((p) => p.local);
  return {
    n: pairs.length,
    accuracy: ratio(correct, pairs.length),
    macroF1: labels.length ? round4(f1Sum / labels.length) : 0,
    perLabel,
    coverage: ratio(localPairs.length, pairs.length),
    localPrecision: localPairs.length ? ratio(localPairs.filter((p) => p.predicted === p.actual).length, localPairs.length) : null,
  };
}

/** The most frequent mistakes, by matter name. */
export function confusions(pairs: { predicted: string | null; actual: string }[], catalogue: Catalogue, limit = 15) {
  const counts = new Map<string, number>();
  for (const p of pairs) if (p.predicted !== p.actual) counts.set(`${p.actual}\u0000${p.predicted ?? ""}`, (counts.get(`${p.actual}\u0000${p.predicted ?? ""}`) ?? 0) + 1);
  const name = (code: string) => (code ? catalogue.byCode.get(code)?.name ?? code : "（未能归类）");
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([k, count]) => {
      const [actual, predicted] = k.split("\u0000");
      return { actual: name(actual), predicted: name(predicted), count };
    });
}
