// Settings administrators change at run time, stored in the Setting table; code holds only the defaults.
// Read through `current()`, cached for half a minute, so a change takes effect without a restart.
import { z } from "zod";
import type { Db, Prisma } from "./db.ts";

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
  /** Tell the resident the case is still being handled after this many days without news. */
  stillHandlingDays: z.number().positive().default(3),
  /** Ask for the resident's satisfaction this many hours after resolution (回访). */
  surveyDelayHours: z.number().min(0).default(1),
  /** Remind once after this many hours without an answer. */
  surveyReminderHours: z.number().positive().default(24),
  /** Without an answer after this many days, record 未评价 and close. */
  surveyTimeoutDays: z.number().positive().default(3),
  /** 基本满意 counts this much towards 满意率. */
  basicSatisfactionWeight: z.number().min(0).max(1).default(0.9),
  /** The composite score's weights for 响应率, 解决率 and 满意率 (src/domain/kpi.ts). */
  kpiWeights: z
    .object({ response: z.number().min(0).max(1), resolution: z.number().min(0).max(1), satisfaction: z.number().min(0).max(1) })
    .default({ response: 0.1, resolution: 0.5, satisfaction: 0.4 }),
  /** With an LLM configured, the local classifier decides alone at or above this confidence (1: it never does). */
  cascadeThreshold: z.number().min(0).max(1).default(1),
  /** Anonymise residents' data on cases closed this many days ago. */
  retentionDays: z.number().int().positive().default(730),
});
export type Settings = z.infer<typeof settingsSchema>;
export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

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
