// 未诉先办, nightly: finds the matters that keep coming back in one building or community (hotspots/detect.ts),
// then schedules itself for the next night.
import type { JobHandler } from "../scheduler.ts";
import { done, type JobContext } from "../context.ts";
import { scheduleOnce } from "../schedule.ts";
import { chinaDate } from "../../domain/time.ts";
import { detectHotspots } from "../../hotspots/detect.ts";
import { nextNight } from "./retention.ts";

export async function ensureHotspotsScheduled(ctx: Pick<JobContext, "db">, now: Date) {
  // 02:30: the day's cases are in, and retention (03:00) has not yet masked anything.
  const at = nextNight(now, "02:30");
  await scheduleOnce(ctx.db, { kind: "hotspots", key: chinaDate(at), dueAt: at, now });
}

export function hotspotsJob(ctx: JobContext): JobHandler {
  return async function hotspots(_job, now) {
    const settings = await ctx.settings.current();
    const { found, created, retold } = await detectHotspots(ctx.db, ctx.replies, { now, days: settings.hotspotDays, minCases: settings.hotspotMinCases });
    await ensureHotspotsScheduled(ctx, new Date(now.getTime() + 60_000));
    return done(`found ${found} hotspots, ${created} new, ${retold} told again`);
  };
}
