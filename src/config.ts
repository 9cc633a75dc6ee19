// Settings from the environment, parsed once at start; the process refuses to start with a list of what is wrong.
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const list = z.string().transform((v) =>
  v
    .split(/[,，]/)
    .map((s) => s.trim())
    .filter(Boolean),
);
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  DATABASE_URL: z.string().startsWith("file:", "only SQLite file URLs (file:…) are supported").default("file:./data/minhu.db"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  BOT_NAME: z.string().min(1).default("小民"),
  TRIGGER_PREFIXES: list.default(["#诉求", "#求助", "#报修"]),
  REVIEW_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.55),
  QUESTION_TTL_HOURS: z.coerce.number().positive().default(24),

  OPENAI_BASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  OPENAI_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  LLM_MODEL: z.string().default("deepseek-chat"),
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(15000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
  LLM_JSON_SCHEMA: bool.default(false),

  WECHATY_PUPPET: z.preprocess(emptyToUndefined, z.string().optional()),
  WECHATY_PUPPET_TOKEN: z.preprocess(emptyToUndefined, z.string().optional()),
  WECHATY_NAME: z.string().default("minhu"),

  CALENDAR_FILE: z.string().default("prisma/seed/calendar.csv"),
  SCHEDULER_ENABLED: bool.default(true),
  SCHEDULER_CRON: z.string().default("* * * * *"),
  NOW_OFFSET: z.string().default("0"),

  HTTP_CHANNEL_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, "use at least 16 characters").optional()),
  HTTP_CHANNEL_CALLBACK_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  SIMULATOR_ENABLED: bool.default(true),
});

export type Config = z.infer<typeof schema> & { llmEnabled: boolean };
export const CONFIG_KEYS = Object.keys(schema.shape);

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const c = parsed.data;
  if (c.NOW_OFFSET !== "0" && c.NODE_ENV !== "development") {
    throw new ConfigError("Invalid configuration:\n  - NOW_OFFSET: only allowed when NODE_ENV=development");
  }
  // A local endpoint (Ollama, vLLM) may need no key; a base URL alone switches the LLM on.
  return { ...c, llmEnabled: Boolean(c.OPENAI_API_KEY || c.OPENAI_BASE_URL) };
}
