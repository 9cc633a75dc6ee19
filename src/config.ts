// Settings from the environment, parsed once at start; the process refuses to start with a list of what is wrong.
import path from "node:path";
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
const optionalText = z.preprocess(emptyToUndefined, z.string().trim().min(1).optional());
/** WeChat's EncodingAESKey: 43 characters of base64 that decode to the 32-byte AES key. */
const aesKey = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}$/, "the EncodingAESKey has 43 characters (letters and digits)")
    .refine((k) => Buffer.from(`${k}=`, "base64").length === 32, "the EncodingAESKey does not decode to 32 bytes")
    .optional(),
);
/** WeChat's callback Token: 3–32 letters or digits. */
const callbackToken = z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9]{3,32}$/, "the Token has 3–32 letters or digits").optional());

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  /** Behind a reverse proxy (nginx) on this host: take the client's address and HTTPS from X-Forwarded-For/-Proto. */
  TRUST_PROXY: bool.default(false),
  DATABASE_URL: z.string().regex(/^(file:|postgres(ql)?:\/\/)/, "a SQLite file URL (file:…) or a PostgreSQL URL (postgresql://…)").default("file:./data/minhu.db"),
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

  // 服务号 (Official Account): on when the first four are set.
  WECHAT_MP_APPID: optionalText,
  WECHAT_MP_SECRET: optionalText,
  WECHAT_MP_TOKEN: callbackToken,
  WECHAT_MP_AES_KEY: aesKey,
  WECHAT_API_BASE: z.url().default("https://api.weixin.qq.com"),
  /** How long a callback waits for the answer before it says "success" and the reply goes as a 客服消息. */
  WECHAT_REPLY_WAIT_MS: z.coerce.number().int().min(100).max(4500).default(4000),

  // 企业微信: its own app for units and grid workers, and 微信客服 for residents. On when the first five are set.
  WECOM_CORP_ID: optionalText,
  WECOM_SECRET: optionalText,
  WECOM_TOKEN: callbackToken,
  WECOM_AES_KEY: aesKey,
  WECOM_AGENT_ID: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  WECOM_API_BASE: z.url().default("https://qyapi.weixin.qq.com"),

  /** Photos and voice messages, content-addressed. */
  MEDIA_DIR: z.string().default("./data/media"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Files the service keeps for itself (the first administrator's password): by default beside the SQLite file, or ./data. */
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Signs the time-limited links to photos (for units whose chat cannot carry images) and to the survey page. */
  LINK_SECRET: z.preprocess(emptyToUndefined, z.string().min(16, "use at least 16 characters").optional()),
  /** ffmpeg turns WeChat's AMR/Speex voice into MP3 that browsers play. */
  FFMPEG_PATH: z.string().default("ffmpeg"),
  /** A speech-to-text model at the LLM's OpenAI-compatible endpoint (e.g. whisper-1); empty: none. */
  ASR_MODEL: optionalText,

  HTTP_CHANNEL_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, "use at least 16 characters").optional()),
  HTTP_CHANNEL_CALLBACK_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  /** The web simulator and its clock: on by default, off once a real channel or PUBLIC_URL is set, unless set here. */
  SIMULATOR_ENABLED: z.preprocess(emptyToUndefined, bool.optional()),
});

export type Config = z.infer<typeof schema> & {
  llmEnabled: boolean;
  /** DATA_DIR, or the SQLite file's folder, or ./data (PostgreSQL), resolved. */
  dataDir: string;
  /** SIMULATOR_ENABLED, or when unset: no real channel configured and no PUBLIC_URL (a machine for trying it out). */
  simulatorEnabled: boolean;
  /** The 服务号 and WeCom channels, when configured. */
  wechatMp: { appId: string; secret: string; token: string; aesKey: string; apiBase: string } | null;
  wecom: { corpId: string; secret: string; token: string; aesKey: string; agentId: number; apiBase: string } | null;
};
export const CONFIG_KEYS = Object.keys(schema.shape);

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const c = parsed.data;
  const problems: string[] = [];
  if (c.NOW_OFFSET !== "0" && c.NODE_ENV !== "development") problems.push("NOW_OFFSET: only allowed when NODE_ENV=development");
  const mp = allOrNone(problems, { WECHAT_MP_APPID: c.WECHAT_MP_APPID, WECHAT_MP_SECRET: c.WECHAT_MP_SECRET, WECHAT_MP_TOKEN: c.WECHAT_MP_TOKEN, WECHAT_MP_AES_KEY: c.WECHAT_MP_AES_KEY });
  const wecom = allOrNone(problems, { WECOM_CORP_ID: c.WECOM_CORP_ID, WECOM_SECRET: c.WECOM_SECRET, WECOM_TOKEN: c.WECOM_TOKEN, WECOM_AES_KEY: c.WECOM_AES_KEY, WECOM_AGENT_ID: c.WECOM_AGENT_ID?.toString() });
  if (c.ASR_MODEL && !(c.OPENAI_API_KEY || c.OPENAI_BASE_URL)) problems.push("ASR_MODEL: needs OPENAI_BASE_URL or OPENAI_API_KEY (speech goes to the LLM's endpoint)");
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return {
    ...c,
    // A local endpoint (Ollama, vLLM) may need no key; a base URL alone switches the LLM on.
    llmEnabled: Boolean(c.OPENAI_API_KEY || c.OPENAI_BASE_URL),
    dataDir: path.resolve(c.DATA_DIR ?? (c.DATABASE_URL.startsWith("file:") && c.DATABASE_URL !== "file::memory:" ? path.dirname(path.resolve(c.DATABASE_URL.slice(5))) : "data")),
    // A deployment that residents reach should not also offer a page that plays residents and units.
    simulatorEnabled: c.SIMULATOR_ENABLED ?? !(mp || wecom || c.WECHATY_PUPPET || c.PUBLIC_URL),
    wechatMp: mp ? { appId: mp.WECHAT_MP_APPID, secret: mp.WECHAT_MP_SECRET, token: mp.WECHAT_MP_TOKEN, aesKey: mp.WECHAT_MP_AES_KEY, apiBase: c.WECHAT_API_BASE.replace(/\/+$/, "") } : null,
    wecom: wecom
      ? { corpId: wecom.WECOM_CORP_ID, secret: wecom.WECOM_SECRET, token: wecom.WECOM_TOKEN, aesKey: wecom.WECOM_AES_KEY, agentId: Number(wecom.WECOM_AGENT_ID), apiBase: c.WECOM_API_BASE.replace(/\/+$/, "") }
      : null,
  };
}

/** A channel's settings are all given (it is on) or none (it is off); some of them is a mistake worth stopping for. */
function allOrNone<K extends string>(problems: string[], values: Record<K, string | undefined>): Record<K, string> | null {
  const missing = (Object.keys(values) as K[]).filter((k) => !values[k]);
  if (missing.length === 0) return values as Record<K, string>;
  if (missing.length < Object.keys(values).length) problems.push(`${missing.join(", ")}: needed as well, since ${(Object.keys(values) as K[]).filter((k) => values[k]).join(", ")} is set`);
  return null;
}
