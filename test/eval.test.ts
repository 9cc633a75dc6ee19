// The evaluation command: exact counts on a small fixture, disjoint folds, and the cascade's use of the LLM.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogueFromFile, evaluate, kFolds, readLabelled } from "../src/classify/evaluate.ts";
import { LlmClassifier } from "../src/classify/llm.ts";
import { loadClassifyPrompts } from "../src/classify/prompt.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { ROOT } from "./helpers/paths.ts";

// Fixtures are found from this file; the CLI runs in the project root.
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const list = fixture("mini-list.csv");
const catalogue = catalogueFromFile(list);
const train = readLabelled(fixture("mini-train.tsv"), catalogue);
const test = readLabelled(fixture("mini-test.tsv"), catalogue);

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(async () => {
  await llm.close();
});

describe("npm run eval", () => {
  it("prints progress on stderr and one JSON line with the measures on stdout", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "src/cli/eval.ts", "--list", list, "--train", fixture("mini-train.tsv"), "--test", fixture("mini-test.tsv")], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const lines = out.trim().split("\n");
    const report = JSON.parse(lines.at(-1)!);
    expect(report).toMatchObject({ n: 6, llmCalls: 0, llmCallsPerAppeal: 0, meanPromptChars: 0, coverage: 1 });
    expect(report.accuracy).toBe(1);
    expect(report.macroF1).toBe(1);
    expect(report.localPrecision).toBe(1);
    expect(report.perLabel["电梯故障"]).toEqual({ precision: 1, recall: 1, f1: 1, support: 2 });
    expect(report.perLabel["垃圾清运"].support).toBe(2);
    expect(typeof report.msPerAppeal).toBe("number");
  });

  it("names a label that is not in the list", () => {
    expect(() => readLabelled(fixture("mini-list.csv"), catalogue)).toThrow(/expected "text<TAB>label"|neither a code nor a name/);
  });

  it("makes disjoint folds that cover every example once", () => {
    const folds = kFolds(23, 5);
    expect(folds).toHaveLength(5);
    const all = folds.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(folds.map((f) => f.length).sort()).toEqual([4, 5, 5, 5, 4].sort());
  });

  it("cross-validates on the training set alone", async () => {
    const report = await evaluate({ catalogue, train, folds: 4, classifier: "local" });
    expect(report.n).toBe(train.length);
    expect(report.folds).toBe(4);
    expect(report.accuracy).toBeGreaterThan(0.8);
  });

  it("shows the cascade's trade-off: less decided locally, more precisely, as the threshold rises", async () => {
    const report = await evaluate({ catalogue, train, test, classifier: "local" });
    const t = report.tradeoff!;
    expect(t.map((r) => r.threshold)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]);
    for (let i = 1; i < t.length; i++) expect(t[i].coverage).toBeLessThanOrEqual(t[i - 1].coverage);
    expect(t[0].coverage).toBeGreaterThan(0);
  });

  it("asks the LLM in the cascade only below the threshold", async () => {
    const client = new LlmClassifier({ baseURL: llm.baseURL, model: "m", timeoutMs: 2000, maxRetries: 0, strictJsonSchema: false, botName: "小民", prompts: loadClassifyPrompts() });
    // Threshold 1.01: nothing is confident enough, every appeal goes to the LLM.
    for (const t of test) llm.script({ kind: "json", body: { matter_code: t.code, urgency: "normal", confidence: 0.9, missing_info: [], rationale: "" } });
    const all = await evaluate({ catalogue, train, test, classifier: "cascade", llm: client, threshold: 1.01 });
    expect(all).toMatchObject({ llmCalls: 6, llmCallsPerAppeal: 1, coverage: 0, localPrecision: null, accuracy: 1 });
    expect(all.meanPromptChars).toBeGreaterThan(300);
    expect(llm.requests).toHaveLength(6);
    // Threshold 0: everything is decided locally, the LLM is never called.
    const none = await evaluate({ catalogue, train, test, classifier: "cascade", llm: client, threshold: 0 });
    expect(none).toMatchObject({ llmCalls: 0, coverage: 1 });
    expect(llm.requests).toHaveLength(6);
  });
});
