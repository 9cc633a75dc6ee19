// The LLM classifier: any OpenAI-compatible endpoint through the official SDK. The answer is JSON checked with zod;
// an invalid answer gets one retry that says what was wrong, then the caller falls back.
import OpenAI from "openai";
import { z } from "zod";
import type { Catalogue } from "./catalogue.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";
import { buildClassifyMessages, loadClassifyPrompts, type ClassifyPrompts } from "./prompt.ts";
import type { Config } from "../config.ts";

export class LlmUnavailableError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

const answerSchema = z.object({
  matter_code: z.string().trim().min(1),
  urgency: z.enum(["normal", "urgent", "emergency"]).transform((u) => (u === "normal" ? "normal" : "urgent") as "normal" | "urgent"),
  confidence: z.coerce.number().min(0).max(1),
  missing_info: z.array(z.string()).max(5).default([]),
  rationale: z.string().max(300).default(""),
});

/** JSON schema for providers that support strict structured output (LLM_JSON_SCHEMA=true). */
const STRICT_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["matter_code", "urgency", "confidence", "missing_info", "rationale"],
  properties: {
    matter_code: { type: "string" },
    urgency: { type: "string", enum: ["normal", "urgent"] },
    confidence: { type: "number" },
    missing_info: { type: "array", items: { type: "string" } },
    rationale: { type: "string" },
  },
};

export interface LlmOptions {
  baseURL?: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  strictJsonSchema: boolean;
  botName: string;
  prompts: ClassifyPrompts;
}

/** What preview shows an administrator: every request exactly as sent, and every raw answer. */
export interface LlmTrace {
  requests: Record<string, unknown>[];
  answers: { content: string | null; model: string; usage: unknown; ms: number }[];
}

type Parsed = { ok: true; value: z.infer<typeof answerSchema> } | { ok: false; problem: string };

function parseAnswer(content: string | null | undefined, catalogue: Catalogue): Parsed {
  if (!content) return { ok: false, problem: "回答为空" };
  let json: unknown;
  try {
    // Some models wrap JSON in a ```json fence even in JSON mode.
    json = JSON.parse(content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, ""));
  } catch {
    return { ok: false, problem: "回答不是合法的 JSON" };
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, problem: `字段 ${i.path.join(".") || "(根)"} 不符合要求：${i.message}` };
  }
  const code = parsed.data.matter_code;
  if (code !== "none" && !catalogue.byCode.has(code)) {
    return { ok: false, problem: `matter_code “${code}” 不在职责清单中` };
  }
  return { ok: true, value: parsed.data };
}

export class LlmClassifier implements Classifier {
  readonly name = "llm";
  readonly client: OpenAI;

  get model(): string {
    return this.opts.model;
  }

  constructor(
    private readonly opts: LlmOptions,
    client?: OpenAI,
  ) {
    this.client =
      client ??
      new OpenAI({
        baseURL: opts.baseURL,
        // Local servers (Ollama, vLLM) accept any key; the SDK insists on one.
        apiKey: opts.apiKey ?? "not-needed",
        timeout: opts.timeoutMs,
        maxRetries: opts.maxRetries,
      });
  }

  /** The same endpoint and model with other prompt texts (a prompt version), sharing the connection. */
  withPrompts(prompts: ClassifyPrompts): LlmClassifier {
    return new LlmClassifier({ ...this.opts, prompts }, this.client);
  }

  /** Characters sent for one appeal (the evaluation reports the prompt's size). */
  promptChars(input: ClassifyInput, catalogue: Catalogue): number {
    return this.messages(input, catalogue).reduce((n, m) => n + String(m.content).length, 0);
  }

  private messages(input: ClassifyInput, catalogue: Catalogue): OpenAI.Chat.ChatCompletionMessageParam[] {
    return buildClassifyMessages(this.opts.prompts, catalogue, {
      botName: this.opts.botName,
      appeal: input.text,
      context: input.context ?? "私聊",
      candidates: input.candidates,
      examples: input.examples,
    });
  }

  /** The exact chat messages for one appeal. */
  messagesFor(input: ClassifyInput, catalogue: Catalogue) {
    return this.messages(input, catalogue);
  }

  async classify(input: ClassifyInput, catalogue: Catalogue, trace?: LlmTrace): Promise<Classification> {
    const messages = this.messages(input, catalogue);
    const usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0 };
    let problem = "";
    for (let attempt = 0; attempt < 2; attempt++) {
      const completion = await this.request(messages, trace);
      usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
      usage.completionTokens += completion.usage?.completion_tokens ?? 0;
      usage.cachedTokens += completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
      const content = completion.choices[0]?.message?.content;
      const parsed = parseAnswer(content, catalogue);
      if (parsed.ok) {
        const a = parsed.value;
        return {
          matterCode: a.matter_code === "none" ? null : a.matter_code,
          urgency: a.urgency,
          confidence: a.matter_code === "none" ? 0 : a.confidence,
          missingInfo: a.missing_info,
          rationale: a.rationale,
          source: "llm",
          model: completion.model || this.opts.model,
          ...(this.opts.prompts.versionId ? { promptVersionId: this.opts.prompts.versionId } : {}),
          alternatives: [],
          usage,
        };
      }
      problem = parsed.problem;
      messages.push(
        { role: "assistant", content: content ?? "" },
        { role: "user", content: `上一个回答无效：${problem}。请严格按要求只输出一个 JSON 对象，matter_code 必须是清单中的编码或 "none"。` },
      );
    }
    throw new LlmUnavailableError("invalid_output", `LLM answered invalid output twice: ${problem}`);
  }

  private async request(messages: OpenAI.Chat.ChatCompletionMessageParam[], trace?: LlmTrace) {
    const body = {
      model: this.opts.model,
      messages: [...messages],
      temperature: 0,
      response_format: this.opts.strictJsonSchema
        ? ({ type: "json_schema", json_schema: { name: "classification", strict: true, schema: STRICT_SCHEMA } } as const)
        : ({ type: "json_object" } as const),
    };
    trace?.requests.push(structuredClone(body));
    const started = performance.now();
    try {
      const completion = await this.client.chat.completions.create(body);
      trace?.answers.push({ content: completion.choices[0]?.message?.content ?? null, model: completion.model, usage: completion.usage ?? null, ms: Math.round(performance.now() - started) });
      return completion;
    } catch (err) {
      if (err instanceof OpenAI.APIConnectionTimeoutError) throw new LlmUnavailableError("timeout", "LLM request timed out");
      if (err instanceof OpenAI.RateLimitError) throw new LlmUnavailableError("rate_limited", "LLM provider answered 429");
      if (err instanceof OpenAI.APIError) {
        throw new LlmUnavailableError("api_error", `LLM provider error ${err.status ?? "(no status)"}: ${err.message}`);
      }
      throw new LlmUnavailableError("error", `LLM request failed: ${(err as Error).message}`);
    }
  }
}

/** The LLM classifier the settings describe, or null when no endpoint is configured. */
export function llmClassifierFromConfig(config: Config): LlmClassifier | null {
  if (!config.llmEnabled) return null;
  return new LlmClassifier({
    baseURL: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: config.LLM_MODEL,
    timeoutMs: config.LLM_TIMEOUT_MS,
    maxRetries: config.LLM_MAX_RETRIES,
    strictJsonSchema: config.LLM_JSON_SCHEMA,
    botName: config.BOT_NAME,
    prompts: loadClassifyPrompts(),
  });
}
