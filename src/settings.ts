// Settings administrators change at run time, stored in the Setting table; code holds only the defaults.
// Read through `current()`, cached for half a minute, so a change takes effect without a restart.
import { z } from "zod";
import type { Db, Prisma } from "./db.ts";
import { ValidationError } from "./errors.ts";

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "use HH:MM");

export const settingsSchema = z.object({
  /** Residents get no proactive message in this window (replies, emergencies and unit escalations are not held). */
  quietHours: z.object({ start: clockTime, end: clockTime }).default({ start: "21:00", end: "08:00" }),
  /** Open confident cases are sent to the lead unit at once. */
  autoDispatch: z.boolean().default(true),
  /** Chase the lead unit at these shares of the time to each limit (催办). */
  chasePoints: z.array(z.number().gt(0).lt(1)).max(5).default([0.5, 0.8]),
  /** Raise an overdue case to the street this many hours after it was raised to the community (二级督办). */
  secondEscalationHours: z.number().positive().default(24),
  /** Raise it on to the district this many hours after it was raised to the street (三级督办), where a district is kept. */
  thirdEscalationHours: z.number().positive().default(24),
  /** Tell the resident the case is still being handled after this many days without news. */
  stillHandlingDays: z.number().positive().default(3),
  /** Ask for the resident's satisfaction this many hours after resolution (回访). */
  surveyDelayHours: z.number().min(0).default(1),
  /** Remind once after this many hours without an answer. */
  surveyReminderHours: z.number().positive().default(24),
  /** Without an answer after this many days, record 未评价 and close. */
  surveyTimeoutDays: z.number().positive().default(3),
  /**
   * 同诉: a confident appeal joins an open case of the same matter in the same building (or, with no building, the
   * same grid and place words) from the last `sameProblemDays` days when their words are at least this alike
   * (the duplicates' similarity, cases/queries.ts); 1 turns joining off.
   */
  sameProblemSimilarity: z.number().min(0).max(1).default(0.6),
  sameProblemDays: z.number().int().min(1).max(90).default(7),
  /** 未诉先办: a matter raised this many times in one building or community within `hotspotDays` days is a hotspot. */
  hotspotMinCases: z.number().int().min(2).max(100).default(3),
  hotspotDays: z.number().int().min(1).max(90).default(14),
  /** 基本满意 counts this much towards 满意率. */
  basicSatisfactionWeight: z.number().min(0).max(1).default(0.9),
  /** The composite score's weights for 响应率, 解决率 and 满意率 (src/domain/kpi.ts). */
  kpiWeights: z
    .object({ response: z.number().min(0).max(1), resolution: z.number().min(0).max(1), satisfaction: z.number().min(0).max(1) })
    .default({ response: 0.1, resolution: 0.5, satisfaction: 0.4 }),
  /** With an LLM configured, the local classifier decides alone at or above this confidence (1: it never does). */
  cascadeThreshold: z.number().min(0).max(1).default(1),
  /** Similar confirmed cases (masked) go to the LLM as examples with each appeal; off: the appeal alone. */
  llmExamples: z.boolean().default(true),
  /** Anonymise residents' data on cases closed this many days ago. */
  retentionDays: z.number().int().positive().default(730),
  /** In a group, a message starting with one of these is for the bot even without an @mention; unset: TRIGGER_PREFIXES. */
  triggerPrefixes: z.array(z.string().trim().min(1).max(10)).max(10).optional(),
  /** A photo or a location pin and the words that explain it, from one resident within this many minutes, are one case. */
  photoWindowMinutes: z.number().int().min(1).max(24 * 60).default(10),
  /** An appeal offered to the grid's volunteers (志愿者可认领) goes the normal way if nobody claims it in this many minutes. */
  volunteerClaimMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
  /**
   * 服务号 subscription notice templates (订阅通知, 长期订阅), for messages to residents whose 48-hour window has
   * closed: the template id, the message kinds it carries (progress, survey, …) and which notice field each
   * keyword shows.
   */
  mpSubscribeTemplates: z
    .array(
      z.object({
        templateId: z.string().trim().regex(/^[A-Za-z0-9_-]{10,64}$/, "模板 ID 为 10–64 位字母、数字、_ 或 -"),
        kinds: z.array(z.enum(["reply", "progress", "survey", "emergency"])).min(1, "至少选择一类消息"),
        fields: z.record(
          z.string().regex(/^[a-z_]+\d+$/, "关键词形如 thing1、character_string2、time3"),
          z.enum(["case_number", "matter_name", "status", "summary", "unit", "time"]),
        ),
      }),
    )
    .max(10)
    .default([]),
});
export type Settings = z.infer<typeof settingsSchema>;
export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

/** What the console shows for each setting: a name and what it does, in Chinese. */
export const SETTING_LABELS: Record<keyof Settings, { label: string; hint: string }> = {
  quietHours: { label: "免打扰时段", hint: "此时段不主动给居民发消息（回复、紧急提醒和对单位的催办不受影响），如 21:00–08:00" },
  autoDispatch: { label: "自动派单", hint: "机器人有把握的工单直接派给主责单位" },
  chasePoints: { label: "催办节点", hint: "在时限过去的这些比例时催办，如 [0.5, 0.8]" },
  secondEscalationHours: { label: "二级督办（小时）", hint: "一级督办后多少小时仍未办结，升级到街道" },
  thirdEscalationHours: { label: "三级督办（小时）", hint: "二级督办后多少小时仍未办结，升级到区（设有区一级时）" },
  stillHandlingDays: { label: "进展告知（天）", hint: "多少天没有消息时告诉居民仍在办理" },
  surveyDelayHours: { label: "回访延迟（小时）", hint: "办结后多少小时请居民评价" },
  surveyReminderHours: { label: "回访提醒（小时）", hint: "未评价时多少小时后提醒一次" },
  surveyTimeoutDays: { label: "回访期限（天）", hint: "多少天未评价记为未评价并结案" },
  sameProblemSimilarity: { label: "同诉相似度", hint: "新诉求与同一楼栋（无楼栋时同一网格、同一地点）同一事项的未办结工单文字相似度达到此值（0–1）即并入该工单，记为同诉；1 表示不合并" },
  sameProblemDays: { label: "同诉时间范围（天）", hint: "只与最近多少天内受理的未办结工单比较" },
  hotspotMinCases: { label: "热点最少件数", hint: "同一楼栋或社区、同一事项在统计期内达到多少件即为热点（未诉先办）" },
  hotspotDays: { label: "热点统计期（天）", hint: "统计最近多少天的诉求；与上一个同样长的时期相比翻倍且达到最少件数的为“上升”热点" },
  basicSatisfactionWeight: { label: "基本满意权重", hint: "满意率中基本满意按此比例计入（0–1）" },
  kpiWeights: { label: "综合得分权重", hint: "响应率、解决率、满意率的权重" },
  cascadeThreshold: { label: "本地分类阈值", hint: "配置大模型时，本地分类器置信度达到此值即直接决定（1 表示总是询问大模型）" },
  llmExamples: { label: "向大模型提供相似案例", hint: "分类时附上几条相似的已确认诉求（已去除电话、姓名等个人信息）作为参考；关闭后只发送诉求本身" },
  retentionDays: { label: "个人信息保留（天）", hint: "结案多少天后匿名化居民信息" },
  triggerPrefixes: { label: "群内触发前缀", hint: "群消息以这些前缀开头时无需 @机器人，如 #诉求" },
  photoWindowMinutes: { label: "照片与文字合并（分钟）", hint: "同一居民在此时间内先后发来的照片、位置和文字算作同一件诉求" },
  volunteerClaimMinutes: { label: "志愿者认领时限（分钟）", hint: "志愿者可认领的诉求发给本网格志愿者后，多少分钟无人认领即转交工作人员或主责单位" },
  mpSubscribeTemplates: {
    label: "服务号订阅通知模板",
    hint: "居民超过 48 小时未发消息时改用订阅通知：填写模板 ID、适用的消息（progress 进展、survey 回访）和每个关键词显示的内容（case_number 工单号、matter_name 事项、status 状态、summary 诉求摘要、unit 承办单位、time 时间）",
  },
};

/**
 * The changes an administrator asks for, each value checked on its own: every unknown key and bad value is named
 * in one ValidationError, and the composite score's weights must add up to 1.
 */
export function checkSettingChanges(asked: Record<string, unknown>): Partial<Settings> {
  const shape = settingsSchema.shape as Record<string, z.ZodType>;
  const problems: string[] = [];
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(asked)) {
    // Own keys only: "constructor" or "__proto__" are not settings.
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!field) problems.push(`没有设置项 ${key}`);
    else {
      const parsed = field.safeParse(value);
      if (parsed.success) changes[key] = parsed.data;
      else problems.push(`${SETTING_LABELS[key as keyof Settings].label}：${parsed.error.issues[0].message}`);
    }
  }
  if (problems.length) throw ValidationError(problems.join("；"));
  const w = changes.kpiWeights as Settings["kpiWeights"] | undefined;
  if (w && Math.abs(w.response + w.resolution + w.satisfaction - 1) > 1e-6) throw ValidationError("综合得分的三个权重之和应为 1");
  return changes as Partial<Settings>;
}

/** Another process (the settings command, another instance) may change them: read again after this long. */
const CACHE_MS = 30_000;

export class SettingsStore {
  private cached: Settings | null = null;
  private readAt = 0;

  constructor(private readonly db: Db) {}

  async current(): Promise<Settings> {
    if (this.cached && Date.now() - this.readAt < CACHE_MS) return this.cached;
    const rows = await this.db.setting.findMany();
    const stored = Object.fromEntries(rows.map((r) => [r.key, r.value]));
    // A stored value that no longer fits falls back to its default rather than stopping the service.
    const values: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(settingsSchema.shape)) {
      if (key in stored && field.safeParse(stored[key]).success) values[key] = stored[key];
    }
    this.cached = settingsSchema.parse(values);
    this.readAt = Date.now();
    return this.cached;
  }

  async update(changes: Partial<Settings>): Promise<Settings> {
    const merged = settingsSchema.parse({ ...(await this.current()), ...changes });
    for (const key of Object.keys(changes)) {
      const v = merged[key as keyof Settings] as Prisma.InputJsonValue;
      await this.db.setting.upsert({ where: { key }, create: { key, value: v }, update: { value: v } });
    }
    this.cached = null;
    return this.current();
  }
}
