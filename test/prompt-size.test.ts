// The LLM prompt stays the same size whatever the list's size: a small list goes whole into the cacheable
// system message, a large one sends the local classifier's best candidates with each appeal.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Catalogue } from "../src/classify/catalogue.ts";
import { catalogueFromFile } from "../src/classify/evaluate.ts";
import { LlmClassifier } from "../src/classify/llm.ts";
import { LearnedClassifier } from "../src/classify/learned.ts";
import { CANDIDATES, loadClassifyPrompts } from "../src/classify/prompt.ts";

const llm = new LlmClassifier({ baseURL: "http://127.0.0.1:9/v1", model: "m", timeoutMs: 1000, maxRetries: 0, strictJsonSchema: false, botName: "小民", prompts: loadClassifyPrompts() });
// The shared datasets sit beside the project (../shared from its root), found from this file, not the working folder.
const taxonomy = catalogueFromFile(fileURLToPath(new URL("../../shared/datasets/taxonomy-517.csv", import.meta.url)));
const appeals = ["小区里的路灯坏了好几天，晚上很黑", "孩子上学的学位问题想咨询一下", "公司拖欠了三个月工资不发", "楼下饭店油烟太大"];

function size(catalogue: Catalogue, text: string) {
  const local = LearnedClassifier.train([]);
  return llm.promptChars({ text, ...local.llmContext(text, catalogue) }, catalogue);
}

describe("prompt size", () => {
  it("loads the 517-item taxonomy as a list, its third level as the matters", () => {
    expect(taxonomy.matters).toHaveLength(517);
    expect(new Set(taxonomy.matters.map((m) => m.code)).size).toBe(517);
    expect(taxonomy.matters.filter((m) => m.name === "事故处理").map((m) => m.category)).toContain("城乡建设/安全生产");
  });

  it("is within 10% with a 30-item and the 517-item list", () => {
    const small = new Catalogue(taxonomy.matters.slice(0, 30));
    for (const text of appeals) {
      const ratio = size(taxonomy, text) / size(small, text);
      expect(ratio).toBeGreaterThan(0.9);
      expect(ratio).toBeLessThan(1.1);
    }
  });

  it("does not grow when the list doubles", () => {
    const doubled = new Catalogue([...taxonomy.matters, ...taxonomy.matters.map((m) => ({ ...m, code: `${m.code}-B` }))]);
    for (const text of appeals) expect(size(doubled, text)).toBeLessThanOrEqual(size(taxonomy, text) * 1.05);
  });

  it("sends the best local candidates for a large list, including the right one for a clear appeal", () => {
    const local = LearnedClassifier.train([]);
    const { candidates } = local.llmContext("小区里的路灯坏了好几天，晚上很黑", taxonomy);
    expect(candidates).toHaveLength(CANDIDATES);
    // A bare taxonomy has only names to go by: 小区管理 shares words with the appeal and leads.
    expect(taxonomy.byCode.get(candidates![0])!.name).toBe("小区管理");
  });
});
