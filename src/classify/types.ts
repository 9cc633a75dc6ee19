// What every classifier answers, whichever way it got there.
import type { Catalogue } from "./catalogue.ts";
import type { QuestionCode } from "./questions.ts";

export interface ClassifyInput {
  text: string;
  /** Names of the people concerned (the sender's display name): masked with the rest before anything is sent. */
  names?: readonly (string | null | undefined)[];
  /** Where the appeal came from, e.g. the group and its grid; helps the LLM, never required. */
  context?: string;
  /** For a large list: the matters worth showing the LLM (codes, best first). */
  candidates?: string[];
  /** The most similar confirmed cases, as examples for the LLM. */
  examples?: { text: string; code: string }[];
}

export interface Classification {
  /** A code of the responsibility list, or null when nothing fits ("none"). */
  matterCode: string | null;
  urgency: "normal" | "urgent";
  /** 0..1 */
  confidence: number;
  /** What to ask the resident, as codes of the question catalogue (never the model's words). */
  missingInfo: QuestionCode[];
  /** Why, for workers only: masked and capped when it comes from the LLM. */
  rationale: string;
  source: "llm" | "local";
  model?: string;
  /** The prompt version (PromptVersion.id) an LLM answer came from. */
  promptVersionId?: number;
  alternatives: { code: string; score: number }[];
  usage?: { promptTokens?: number; completionTokens?: number; cachedTokens?: number };
  /** Set when the LLM was tried and the local classifier answered instead. */
  fallbackReason?: string;
}

export interface Classifier {
  readonly name: string;
  classify(input: ClassifyInput, catalogue: Catalogue): Promise<Classification>;
}
