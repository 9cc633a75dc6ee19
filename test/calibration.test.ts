// Calibrated confidence (issue 15): the fit and the error measure on inputs small enough to check by hand, that
// on held-out WeChat-length texts the calibrated confidence keeps its word at the cascade's threshold, that the
// training thread learns it when given the list, and that the cascade then sends fewer short appeals to the LLM.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { calibrate, expectedCalibrationError, fitCalibration, fitLogistic, SHORT_MAX_CHARS, type CalibrationPoint } from "../src/classify/calibration.ts";
import { shortWindow } from "../src/classify/calibrationFit.ts";
import { catalogueFromFile, coverageAtPrecision, evaluate } from "../src/classify/evaluate.ts";
import { FallbackClassifier } from "../src/classify/index.ts";
import { LearnedClassifier } from "../src/classify/learned.ts";
import { LearningStore } from "../src/classify/learning.ts";
import { LlmClassifier } from "../src/classify/llm.ts";
import { loadClassifyPrompts } from "../src/classify/prompt.ts";
import { seededRandom, shuffle } from "../src/classify/random.ts";
import { InThreadTrainer } from "../src/classify/trainer.ts";
import type { Db } from "../src/db.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { ROOT } from "./helpers/paths.ts";

const log = pino({ level: "silent" });
const catalogue = catalogueFromFile(path.join(ROOT, "test/fixtures/appeal-categories.csv"));
const codeByName = new Map(catalogue.matters.map((m) => [m.name, m.code]));
/** The shared dataset's letters (by path, never copied), in a seeded order: text and matter code. */
const letters = shuffle(
  readFileSync(path.join(ROOT, "../shared/datasets/appeals-dev.tsv"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const tab = line.lastIndexOf("\t");
      return { text: line.slice(0, tab), label: codeByName.get(line.slice(tab + 1).trim())! };
    }),
  seededRandom(23),
);
// 1,100 letters learned (one training of the model and three of the calibration's folds, some 12 s), the other
// 742 cut short and measured: fewer, and the precision of the hundred-odd decided alone is too noisy to test.
const train = letters.slice(0, 1100);
const heldOut = letters.slice(1100);
let calibrated: LearnedClassifier;
let uncalibrated: LearnedClassifier;
beforeAll(() => {
  calibrated = LearnedClassifier.train(train, catalogue);
  uncalibrated = LearnedClassifier.train(train);
}, 60_000);

const point = (p1: number, p2: number, chars: number, right: boolean): CalibrationPoint => ({ p1, p2, chars, right });

describe("the calibration's math", () => {
  it("fits a logistic regression to the rates it is given", () => {
    // At x = −1 one in four is right, at x = 1 three in four: the unpenalised fit is 0 + ln 3 · x.
    const x = [...Array(4).fill([1, -1]), ...Array(4).fill([1, 1])];
    const y = [true, false, false, false, true, true, true, false];
    const [bias, slope] = fitLogistic(x, y, 0);
    expect(bias).toBeCloseTo(0, 6);
    expect(slope).toBeCloseTo(Math.log(3), 6);
  });

  it("keeps the weights finite when the outcomes are separable", () => {
    const w = fitLogistic([[1, -2], [1, -1], [1, 1], [1, 2]], [false, false, true, true]);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(w[1]).toBeGreaterThan(0);
  });

  it("measures the expected calibration error of known cases", () => {
    expect(expectedCalibrationError([])).toBe(0);
    // Nine in ten right at confidence 0.9: perfectly calibrated.
    const calibrated = Array.from({ length: 10 }, (_, i) => ({ p: 0.9, right: i < 9 }));
    expect(expectedCalibrationError(calibrated)).toBeCloseTo(0, 10);
    // Always right at 0.8: off by 0.2.
    expect(expectedCalibrationError(Array.from({ length: 5 }, () => ({ p: 0.8, right: true })))).toBeCloseTo(0.2, 10);
    // Half at 0.95 all right (0.05 off), half at 0.25 none right (0.25 off): 0.15; confidence 1 falls in the last bin.
    const mixed = [...Array.from({ length: 4 }, () => ({ p: 0.95, right: true })), ...Array.from({ length: 4 }, () => ({ p: 0.25, right: false }))];
    expect(expectedCalibrationError(mixed)).toBeCloseTo(0.15, 10);
    expect(expectedCalibrationError([{ p: 1, right: false }])).toBeCloseTo(1, 10);
  });

  it("finds the largest share of the most confident answers that is 95% right", () => {
    // 19 right then 1 wrong among the 20 most confident (95%), then 5 wrong: the top 20 of 25.
    const ranked = Array.from({ length: 25 }, (_, i) => ({ p: 1 - i / 100, right: i < 19 }));
    expect(coverageAtPrecision(ranked)).toBeCloseTo(20 / 25, 4);
    // The order is the confidence's, not the list's.
    expect(coverageAtPrecision([...ranked].reverse())).toBeCloseTo(20 / 25, 4);
    // Answers of equal confidence are taken together: two at 0.9, one of them wrong, is 50%, not 100% of one.
    expect(coverageAtPrecision([{ p: 0.9, right: true }, { p: 0.9, right: false }])).toBe(0);
    expect(coverageAtPrecision([{ p: 0.5, right: false }])).toBe(0);
    expect(coverageAtPrecision([])).toBe(0);
  });

  it("calibrates short and long texts apart, and gives none from too few points", () => {
    expect(fitCalibration([point(0.9, 0.05, 30, true)])).toBeNull();
    // The same raw probabilities: short texts right half the time, long ones nine times in ten.
    const points: CalibrationPoint[] = [];
    for (let i = 0; i < 200; i++) {
      const p1 = 0.5 + (i % 10) / 25;
      const block = Math.floor(i / 10); // every p1 is right in alternate blocks (short), in 9 blocks of 10 (long)
      points.push(point(p1, (1 - p1) / 2, 30, block % 2 === 0), point(p1, (1 - p1) / 2, 600, block % 10 !== 0));
    }
    const c = fitCalibration(points)!;
    expect(c.points).toEqual([200, 200]);
    expect(calibrate(c, 0.8, 0.1, 30)).toBeCloseTo(0.5, 1);
    expect(calibrate(c, 0.8, 0.1, SHORT_MAX_CHARS)).toBeCloseTo(0.5, 1);
    expect(calibrate(c, 0.8, 0.1, 600)).toBeCloseTo(0.9, 1);
  });
});

describe("calibrated confidence on held-out WeChat-length texts", () => {
  const random = seededRandom(5);
  const short = heldOut.map((e) => ({ text: shortWindow(e.text, random), label: e.label }));

  const measure = (c: LearnedClassifier) =>
    short.map((e) => {
      const ranked = c.ranked(e.text, catalogue);
      return { p: c.confidence(e.text, ranked), right: ranked[0].code === e.label };
    });

  it("is right at least as often as it says at the threshold, decides more alone, and is better calibrated", () => {
    const after = measure(calibrated);
    const before = measure(uncalibrated);
    const decided = after.filter((c) => c.p >= 0.9);
    const precision = decided.filter((c) => c.right).length / decided.length;
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(decided.length).toBeGreaterThan(2 * before.filter((c) => c.p >= 0.9).length);
    expect(decided.length / after.length).toBeGreaterThan(0.2);
    expect(expectedCalibrationError(after)).toBeLessThan(0.08);
    expect(expectedCalibrationError(after)).toBeLessThan(expectedCalibrationError(before));
  });
});

describe("the training thread learns the calibration", () => {
  const table = (rows: { text: string; label: string }[]) =>
    ({ labelledExample: { findMany: async () => rows.map((r) => ({ text: r.text, matterCode: r.label })) } }) as unknown as Db;

  it("joins after start-up when the store has the list, and never without it", async () => {
    const rows = train.slice(0, 300);
    const long = rows.filter((r) => r.text.length > SHORT_MAX_CHARS).length;
    const withList = new LearningStore(table(rows), log, new InThreadTrainer(), () => catalogue);
    await withList.load();
    await withList.trained();
    const c = withList.learned.calibration;
    expect(c?.buckets).toHaveLength(2);
    // Three folds: every example scored once whole, and a long one once more as its first 20–40 characters.
    expect(c?.points).toEqual([300, long]);

    const without = new LearningStore(table(rows), log, new InThreadTrainer());
    await without.load();
    await without.trained();
    expect(without.learned.calibration ?? null).toBeNull();
  }, 60_000);
});

describe("the cascade on short appeals", () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
    llm.respond(() => ({ kind: "json", body: { matter_code: "C1", urgency: "normal", confidence: 0.9, missing_info: [], rationale: "" } }));
  });
  afterAll(async () => {
    await llm.close();
  });

  it("asks the LLM for fewer of them once the confidence is calibrated", async () => {
    const client = new LlmClassifier({ baseURL: llm.baseURL, model: "m", timeoutMs: 2000, maxRetries: 0, strictJsonSchema: false, botName: "小民", prompts: loadClassifyPrompts() });
    const random = seededRandom(9);
    const appeals = heldOut.slice(0, 60).map((e) => shortWindow(e.text, random));
    const calls = async (local: LearnedClassifier) => {
      const cascade = new FallbackClassifier(local, client, log, async () => 0.9);
      const before = llm.requests.length;
      for (const text of appeals) await cascade.classify({ text }, catalogue);
      return llm.requests.length - before;
    };
    const callsBefore = await calls(uncalibrated);
    const callsAfter = await calls(calibrated);
    expect(callsBefore).toBeGreaterThan(50);
    expect(callsAfter).toBeLessThan(0.8 * callsBefore);
  }, 60_000);
});

describe("npm run eval's confidence report", () => {
  it("gives ECE and LLM calls per appeal for long and short texts, calibrated and not", async () => {
    const code = (e: { text: string; label: string }) => ({ text: e.text, code: e.label });
    const test = heldOut.slice(0, 150).map(code);
    const report = await evaluate({ catalogue, train: train.slice(0, 400).map(code), test, classifier: "local", calibrate: true, shortTest: [{ text: "工地老板拖欠农民工工资三个月了", code: "C5" }] });
    const { threshold, long, short, handLabelled } = report.confidence!;
    expect(threshold).toBe(0.9);
    const longTexts = test.filter((t) => t.text.length > SHORT_MAX_CHARS).length;
    expect(long.n).toBe(longTexts);
    // Every short test text once, and every long one once more as its first 20–40 characters.
    expect(short.n).toBe(test.length);
    expect(handLabelled?.n).toBe(1);
    for (const r of [long, short]) {
      expect(r.llmCallsPerAppeal).toBeCloseTo(1 - r.coverage, 3);
      expect(r.ece).toBeGreaterThanOrEqual(0);
      expect(r.ece).toBeLessThan(r.eceUncalibrated);
      expect(r.tradeoff.map((t) => t.threshold)).toContain(0.9);
      // No threshold decides more at 95% precision than the best cut of the same ranking.
      for (const t of r.tradeoff) if ((t.localPrecision ?? 0) >= 0.95) expect(t.coverage).toBeLessThanOrEqual(r.coverageAt95);
      expect(r.accuracy).toBeGreaterThan(0.5);
    }
    expect(short.llmCallsPerAppeal).toBeLessThan(short.uncalibrated.llmCallsPerAppeal);
  }, 60_000);
});
