// The classifier the intake uses: the LLM when configured, the local classifier when it is not or when the LLM
// fails (timeout, 429, provider error, invalid output twice). A message never waits on a broken provider twice.
import type { Logger } from "../log.ts";
import type { Catalogue } from "./catalogue.ts";
import { LlmUnavailableError, type LlmClassifier } from "./llm.ts";
import type { LocalClassifier } from "./local.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";

export class FallbackClassifier implements Classifier {
  readonly name: string;
  constructor(
    private readonly local: LocalClassifier,
    private readonly llm: LlmClassifier | null,
    private readonly log: Logger,
  ) {
    this.name = llm ? "llm+local" : "local";
  }

  async classify(input: ClassifyInput, catalogue: Catalogue): Promise<Classification> {
    if (!this.llm) return this.local.classify(input, catalogue);
    try {
      const result = await this.llm.classify(input, catalogue);
      // The LLM decides the matter; the local ranking still helps a worker who reviews it.
      result.alternatives = this.local.scores(input.text, catalogue).slice(0, 5);
      return result;
    } catch (err) {
      const reason = err instanceof LlmUnavailableError ? err.reason : "error";
      this.log.warn({ reason, err: (err as Error).message }, "LLM classification failed, using the local classifier");
      return { ...(await this.local.classify(input, catalogue)), fallbackReason: reason };
    }
  }
}

export { LocalClassifier } from "./local.ts";
export { LlmClassifier } from "./llm.ts";
export { Catalogue } from "./catalogue.ts";
export type { Classification, Classifier } from "./types.ts";
