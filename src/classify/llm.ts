// The LLM classifier: any OpenAI-compatible endpoint through the official SDK. The answer is JSON checked with zod;
// an invalid answer gets one retry that says what was wrong, then the caller falls back.
// The model chooses, it never speaks: a matter code from the list, an urgency, and question codes from the
// catalogue (questions.ts); its rationale is kept for workers only, masked and capped. Nothing the model wrote
// goes into an error message or a log line: they carry reasons and field names.
import OpenAI from "openai";
import { z } from "zod";
import type { Catalogue } from "./catalogue.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";
import { buildClassifyMessages, loadClassifyPrompts, type ClassifyPrompts } from "./prompt.ts";
import { knownQuestions, QUESTION_CODES } from "./questions.ts";
import { redactPersonalData } from "../domain/redact.ts";
import type { Config } from "../config.ts";

export class LlmUnavailableError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** The rationale as stored and shown to workers: one line, masked, at most this long. */
export const RATIONALE_MAX = 200;

const answerSchema = z.object({
  matter_code: z.string().trim().min(1),
  urgency: z.enum(["normal", "urgent", "emergency"]).transform((u) => (u === "normal" ? "normal" : "urgent") as "normal" | "urgent"),
  confidence: z.coerce.number().min(0).max(1),
  // Unknown codes and free text are dropped, not retried: the answer's matter still counts.
  missing_info: z.unknown().optional().transform(knownQuestions),
  rationale: z.unknown().optional().transform((r) => (typeof r === "string" ? r : "")),
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
    missing_info: { type: "array", items: { type: "string", enum: [...QUESTION_CODES] } },
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
  /** Whether similar confirmed cases go with the appeal (the llmExamples setting); yes without it. */
  examples?: () => Promise<boolean>;
}

/** What preview shows an administrator: every request exactly as sent, and every raw answer. */
export interface LlmTrace {
  requests: Record<string, unknown>[];
  answers: { content: string | null; model: string; usage: unknown; ms: number }[];
}

/**
 * Why an answer was refused: `reason` and `field` are the service's own words (for logs and errors); `problem`
 * tells the model, and quotes its matter code only when that looks like a code.
 */
type Parsed = { ok: true; value: z.infer<typeof answerSchema> } | { ok: false; reason: string; field?: string; problem: string };

const FIELD_RULES: Record<string, string> = {
  matter_code: "必须是清单中的编码或 \"none\"",
  urgency: "只能是 \"normal\" 或 \"urgent\"",
  confidence: "必须是 0 到 1 之间的数",
};

/** A model's answer as JSON (a ```json fence allowed), or why it is not: the model's words are never quoted. */
export function parseJsonContent(content: string | null | undefined): { ok: true; json: unknown } | { ok: false; reason: "empty" | "not_json"; problem: string } {
  if (!content) return { ok: false, reason: "empty", problem: "回答为空" };
  try {
    // Some models wrap JSON in a ```json fence even in JSON mode.
    return { ok: true, json: JSON.parse(content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, "")) };
  } catch {
    return { ok: false, reason: "not_json", problem: "回答不是合法的 JSON" };
  }
}

/** The response_format for a JSON answer: a strict JSON schema when the provider supports it, else JSON mode. */
export function jsonResponseFormat(strict: boolean, name: string, schema: Record<string, unknown>) {
  return strict ? ({ type: "json_schema", json_schema: { name, strict: true, schema } } as const) : ({ type: "json_object" } as const);
}

/** A failed request as the service tells it: a reason and our own message, never the provider's words. */
export function llmFailure(err: unknown): LlmUnavailableError {
  if (err instanceof LlmUnavailableError) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new LlmUnavailableError("timeout", "LLM request timed out");
  if (err instanceof OpenAI.RateLimitError) return new LlmUnavailableError("rate_limited", "LLM provider answered 429");
  // The provider's message may echo what was sent or what the model wrote: only its status is kept.
  if (err instanceof OpenAI.APIError) return new LlmUnavailableError("api_error", `LLM provider error ${err.status ?? "(no status)"}`);
  return new LlmUnavailableError("error", `LLM request failed (${(err as Error).name})`);
}

function parseAnswer(content: string | null | undefined, catalogue: Catalogue): Parsed {
  const read = parseJsonContent(content);
  if (!read.ok) return read;
  const json = read.json;
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) {
    // The path is one of the schema's own keys (or none); zod's message may quote the model, so it is not used.
    const key = parsed.error.issues[0].path.map(String).find((k) => k in FIELD_RULES);
    return { ok: false, reason: "schema", field: key ?? "(root)", problem: key ? `字段 ${key} 不符合要求：${FIELD_RULES[key]}` : "回答必须是一个 JSON 对象" };
  }
  const code = parsed.data.matter_code;
  if (code !== "none" && !catalogue.byCode.has(code)) {
    const quoted = /^[A-Za-z0-9_.-]{1,20}$/.test(code) ? `“${code}”` : "";
    return { ok: false, reason: "unknown_matter", field: "matter_code", problem: `matter_code ${quoted}不在职责清单中` };
  }
  return { ok: true, value: parsed.data };
}

/** The rationale for workers: one line, masked (with the sender's names), at most RATIONALE_MAX characters. */
export function workerRationale(text: string, names: readonly (string | null | undefined)[] = []): string {
  return [...redactPersonalData(text.replace(/\s+/g, " ").trim(), names)].slice(0, RATIONALE_MAX).join("");
}

export class LlmClassifier implements Classifier {
  readonly name = "llm";
  readonly client: OpenAI;

  get model(): string {
    return this.opts.model;
  }

  /** Whether answers are asked for with a strict JSON schema (LLM_JSON_SCHEMA). */
  get strictJsonSchema(): boolean {
    return this.opts.strictJsonSchema;
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
      names: input.names,
      candidates: input.candidates,
      examples: input.examples,
    });
  }

  /**
   * The first request for one appeal, exactly as it is sent (masked, examples only when the setting allows):
   * classify() sends this, and the console's preview shows it.
   */
  async requestFor(input: ClassifyInput, catalogue: Catalogue) {
    const examples = (await this.opts.examples?.()) ?? true;
    return this.body(this.messages(examples ? input : { ...input, examples: undefined }, catalogue));
  }

  async classify(input: ClassifyInput, catalogue: Catalogue, trace?: LlmTrace): Promise<Classification> {
    const messages = (await this.requestFor(input, catalogue)).messages;
    const usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0 };
    let refused: Extract<Parsed, { ok: false }> | null = null;
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
          rationale: workerRationale(a.rationale, input.names),
          source: "llm",
          model: completion.model || this.opts.model,
          ...(this.opts.prompts.versionId ? { promptVersionId: this.opts.prompts.versionId } : {}),
          alternatives: [],
          usage,
        };
      }
      refused = parsed;
      messages.push(
        { role: "assistant", content: content ?? "" },
        { role: "user", content: `上一个回答无效：${parsed.problem}。请严格按要求只输出一个 JSON 对象，matter_code 必须是清单中的编码或 "none"。` },
      );
    }
    throw new LlmUnavailableError("invalid_output", `LLM answered invalid output twice (${refused!.reason}${refused!.field ? `, field ${refused!.field}` : ""})`);
  }

  private body(messages: OpenAI.Chat.ChatCompletionMessageParam[]) {
    return {
      model: this.opts.model,
      messages: [...messages],
      temperature: 0,
      response_format: jsonResponseFormat(this.opts.strictJsonSchema, "classification", STRICT_SCHEMA),
    };
  }

  private async request(messages: OpenAI.Chat.ChatCompletionMessageParam[], trace?: LlmTrace) {
    const body = this.body(messages);
    trace?.requests.push(structuredClone(body));
    const started = performance.now();
    try {
      const completion = await this.client.chat.completions.create(body);
      trace?.answers.push({ content: completion.choices[0]?.message?.content ?? null, model: completion.model, usage: completion.usage ?? null, ms: Math.round(performance.now() - started) });
      return completion;
    } catch (err) {
      throw llmFailure(err);
    }
  }
}

/** The LLM classifier the settings describe, or null when no endpoint is configured. */
export function llmClassifierFromConfig(config: Config, runtime: Pick<LlmOptions, "examples"> = {}): LlmClassifier | null {
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
    ...runtime,
  });
}
