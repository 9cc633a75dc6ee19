// The LLM's part in questions about service places: when the local recogniser (places/answers.ts) cannot tell
// which place a question means, the model may choose one place code from the data and one question code, or
// "none". It chooses, it never speaks: the answer is the service's own template filled from the place's data.
// It is sent the masked message and each place's code, name and kind only. Any failure (timeout, provider error,
// invalid JSON, an unknown code) is logged with its reason and the caller keeps the local result.
import type OpenAI from "openai";
import { z } from "zod";
import type { Logger } from "../log.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { loadPromptFile } from "../texts/prompts.ts";
import { KIND_LABELS, type PlaceKind } from "../places/kinds.ts";
import { PLACE_QUESTIONS, type PlaceQuestion } from "../places/answers.ts";
import { jsonResponseFormat, llmFailure, parseJsonContent } from "./llm.ts";

/** What the model is told of a place. */
export interface PlaceChoiceOption {
  code: string;
  name: string;
  kind: string;
}

export type PlaceChoice =
  | { kind: "chosen"; place: string; question: PlaceQuestion | null }
  | { kind: "none" }
  | { kind: "failed"; reason: string };

/** The endpoint it shares with the LLM classifier (llm.ts): its client (timeouts, retries), model and schema mode. */
export interface PlaceChoiceLlm {
  client: OpenAI;
  model: string;
  strictJsonSchema: boolean;
}

const QUESTION_LABELS: Record<PlaceQuestion, string> = { where: "在哪里", hours: "开放时间", today: "今天是否开放", price: "收费", booking: "怎么预约", phone: "联系电话" };

export class PlaceChooser {
  constructor(
    private readonly llm: PlaceChoiceLlm,
    private readonly log: Logger,
    private readonly prompt: () => string = () => loadPromptFile("place-choice.system.md"),
  ) {}

  /** The request for one message, exactly as sent: the system part (prompt, places, codes) first, the masked text last. */
  request(text: string, names: readonly (string | null | undefined)[], places: readonly PlaceChoiceOption[]) {
    const codes = places.map((p) => p.code);
    const list = places.map((p) => `${p.code}｜${p.name}｜${KIND_LABELS[p.kind as PlaceKind] ?? p.kind}`).join("\n");
    const questions = PLACE_QUESTIONS.map((q) => `${q}：${QUESTION_LABELS[q]}`).join("\n");
    const schema = {
      type: "object",
      additionalProperties: false,
      required: ["place", "question"],
      properties: {
        place: { type: "string", enum: [...codes, "none"] },
        question: { type: "string", enum: [...PLACE_QUESTIONS, "none"] },
      },
    };
    return {
      model: this.llm.model,
      temperature: 0,
      messages: [
        { role: "system" as const, content: `${this.prompt()}\n\n场所清单：\n${list}\n\n问题编码：\n${questions}` },
        { role: "user" as const, content: `居民的话：${redactPersonalData(text, names)}` },
      ],
      response_format: jsonResponseFormat(this.llm.strictJsonSchema, "place_choice", schema),
    };
  }

  /** The model's choice among `places` (at least one), "none", or why it could not be used. */
  async choose(text: string, names: readonly (string | null | undefined)[], places: readonly PlaceChoiceOption[]): Promise<PlaceChoice> {
    const choice = await this.ask(text, names, places);
    if (choice.kind === "failed") this.log.warn({ reason: choice.reason }, "LLM place choice failed, using the local answer");
    else this.log.info({ chosen: choice.kind === "chosen" ? choice.place : "none" }, "LLM place choice");
    return choice;
  }

  private async ask(text: string, names: readonly (string | null | undefined)[], places: readonly PlaceChoiceOption[]): Promise<PlaceChoice> {
    if (!places.length) return { kind: "failed", reason: "no_places" };
    const codes = places.map((p) => p.code) as [string, ...string[]];
    const schema = z.object({ place: z.enum([...codes, "none"]), question: z.enum([...PLACE_QUESTIONS, "none"]) });
    let content: string | null | undefined;
    try {
      const completion = await this.llm.client.chat.completions.create(this.request(text, names, places));
      content = completion.choices[0]?.message?.content;
    } catch (err) {
      return { kind: "failed", reason: llmFailure(err).reason };
    }
    const read = parseJsonContent(content);
    if (!read.ok) return { kind: "failed", reason: read.reason };
    // zod's message may quote the model: only that the answer was refused is kept.
    const parsed = schema.safeParse(read.json);
    if (!parsed.success) return { kind: "failed", reason: "schema" };
    const { place, question } = parsed.data;
    if (place === "none") return { kind: "none" };
    return { kind: "chosen", place, question: question === "none" ? null : question };
  }
}
