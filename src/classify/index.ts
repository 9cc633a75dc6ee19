// The classifier the intake uses, a cascade: the local classifier first; the LLM, when configured and the local
// answer is not sure enough, with the local candidates; the local answer again when the LLM fails (timeout, 429,
// provider error, invalid output twice). A message never waits on a broken provider twice.
import type { Logger } from "../log.ts";
import type { Catalogue } from "./catalogue.ts";
import { LlmUnavailableError, type LlmClassifier } from "./llm.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";
import type { ClassifyPrompts } from "./prompt.ts";

type LocalWithContext = Classifier & { llmContext?: (text: string, catalogue: Catalogue) => Pick<ClassifyInput, "candidates" | "examples"> };

/**
 * What the LLM is given for an appeal: the appeal with the local classifier's candidates (a large list) and its
 * most similar confirmed cases. The cascade and the console's preview both build it here; the LLM classifier
 * masks it and drops the examples when the setting says so (LlmClassifier.requestFor).
 */
export function llmInput(local: LocalWithContext, input: ClassifyInput, catalogue: Catalogue): ClassifyInput {
  return { ...input, ...local.llmContext?.(input.text, catalogue) };
}

/**
 * The cascade: the local classifier answers first; when it is at least `threshold` sure (a setting chosen from
 * cross-validation, see npm run eval) it decides alone, otherwise the LLM is asked, and any LLM failure falls
 * back to the local answer.
 */
export class FallbackClassifier implements Classifier {
  readonly name: string;
  constructor(
    private readonly local: LocalWithContext,
    private readonly llm: LlmClassifier | null,
    private readonly log: Logger,
    private readonly threshold: () => Promise<number> = async () => 1,
    /** The active prompt version (administrators change it at run time); the LLM's own prompts without it. */
    private readonly prompts?: () => Promise<ClassifyPrompts>,
  ) {
    this.name = llm ? "llm+local" : "local";
  }

  async classify(input: ClassifyInput, catalogue: Catalogue): Promise<Classification> {
    const local = await this.local.classify(input, catalogue);
    if (!this.llm) return local;
    const threshold = await this.threshold();
    if (threshold < 1 && local.matterCode && local.confidence >= threshold) return local;
    try {
      const llm = this.prompts ? this.llm.withPrompts(await this.prompts()) : this.llm;
      const result = await llm.classify(llmInput(this.local, input, catalogue), catalogue);
      // The LLM decides the matter; the local ranking still helps a worker who reviews it.
      result.alternatives = local.alternatives;
      return result;
    } catch (err) {
      // The reason and our own message only: the model's words (and the appeal) never go into the log.
      const reason = err instanceof LlmUnavailableError ? err.reason : "error";
      this.log.warn({ reason, detail: err instanceof LlmUnavailableError ? err.message : (err as Error).name }, "LLM classification failed, using the local classifier");
      return { ...local, fallbackReason: reason };
    }
  }
}

export { LocalClassifier } from "./local.ts";
export { LearnedClassifier } from "./learned.ts";
export { LearningStore } from "./learning.ts";
export { LlmClassifier } from "./llm.ts";
export { Catalogue } from "./catalogue.ts";
export type { Classification, Classifier } from "./types.ts";
