// A place's opening hours: per weekday, on the official calendar — a public holiday (法定节假日) has the place's
// holiday hours (none: closed), a 调休 working day on a weekend keeps the hours of a working weekday (Monday's).
// Pure: the calendar and the date are parameters.
import chineseDays from "chinese-days";
import { z } from "zod";
import type { WorkCalendar } from "../domain/deadlines.ts";
import { chinaDate, chinaMinuteOfDay } from "../domain/time.ts";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_LABELS: Record<Weekday, string> = { mon: "周一", tue: "周二", wed: "周三", thu: "周四", fri: "周五", sat: "周六", sun: "周日" };

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;
/** "11:00-12:30": a start before its end, on one day. */
export const timeRange = z
  .string()
  .trim()
  .transform((s) => s.replace(/[－—–~～至]/g, "-").replace(/：/g, ":").replace(/\s+/g, ""))
  .refine((s) => RANGE.test(s) && minutes(s.slice(0, 5)) < minutes(s.slice(6)), { message: "时间段应写成 08:00-11:30（开始早于结束）" });
export const dayHours = z.array(timeRange).max(6, "一天最多 6 个时间段");
export const weekHours = z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.default([])])) as Record<Weekday, z.ZodDefault<typeof dayHours>>);
export type WeekHours = Record<Weekday, string[]>;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The stored JSON as hours (anything malformed counts as closed, so a bad row never breaks an answer). */
export function readWeekHours(value: unknown): WeekHours {
  const parsed = weekHours.safeParse(value ?? {});
  return parsed.success ? parsed.data : (Object.fromEntries(WEEKDAYS.map((d) => [d, []])) as unknown as WeekHours);
}
export function readDayHours(value: unknown): string[] {
  const parsed = dayHours.safeParse(value ?? []);
  return parsed.success ? parsed.data : [];
}

export type DayKind = "weekday" | "weekend" | "holiday" | "swap_workday";

export interface DayHours {
  date: string;
  weekday: Weekday;
  kind: DayKind;
  /** The holiday's Chinese name (国庆节) on a public holiday or its 调休 working day. */
  holiday: string | null;
  ranges: string[];
}

/** The weekday of a calendar date (YYYY-MM-DD). */
export function weekdayOf(date: string): Weekday {
  return WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7];
}

/** The holiday's Chinese name chinese-days gives a date ("National Day,国庆节,3" → 国庆节), or null for an ordinary day. */
function holidayName(date: string): string | null {
  const name = chineseDays.getDayDetail(date).name;
  return name.includes(",") ? name.split(",")[1] : null;
}

/** What kind of day a date is, and the place's hours on it. */
export function hoursOn(calendar: WorkCalendar, hours: { week: WeekHours; holiday: string[] }, date: string): DayHours {
  const weekday = weekdayOf(date);
  const weekend = weekday === "sat" || weekday === "sun";
  const working = calendar.isWorkingDay(date);
  const holiday = holidayName(date);
  if (working && weekend) return { date, weekday, kind: "swap_workday", holiday, ranges: hours.week.mon };
  if (working) return { date, weekday, kind: "weekday", holiday: null, ranges: hours.week[weekday] };
  // A weekday off (the official calendar or a local day off), or a weekend day inside a holiday.
  if (!weekend || holiday) return { date, weekday, kind: "holiday", holiday, ranges: hours.holiday };
  return { date, weekday, kind: "weekend", holiday: null, ranges: hours.week[weekday] };
}

/** The next days (from `from`, itself included) the place is open, at most `count`, looking `horizon` days ahead. */
export function nextOpenDays(calendar: WorkCalendar, hours: { week: WeekHours; holiday: string[] }, from: string, count = 1, horizon = 21): DayHours[] {
  const found: DayHours[] = [];
  for (let i = 0; i < horizon && found.length < count; i++) {
    const date = new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
    const day = hoursOn(calendar, hours, date);
    if (day.ranges.length) found.push(day);
  }
  return found;
}

/** Whether `at` falls in one of today's ranges, and when today's next range starts. */
export function openNow(day: DayHours, at: Date): { open: boolean; laterToday: string | null } {
  const m = chinaMinuteOfDay(at);
  const open = day.date === chinaDate(at) && day.ranges.some((r) => minutes(r.slice(0, 5)) <= m && m < minutes(r.slice(6)));
  const later = day.ranges.find((r) => minutes(r.slice(0, 5)) > m) ?? null;
  return { open, laterToday: later };
}

/** The week as people read it: "周一至周五 11:00-12:30、17:00-18:00；周六、周日 休息". */
export function describeWeek(week: WeekHours): string {
  const groups: { days: Weekday[]; text: string }[] = [];
  for (const d of WEEKDAYS) {
    const text = week[d].length ? week[d].join("、") : "休息";
    const last = groups.at(-1);
    if (last && last.text === text) last.days.push(d);
    else groups.push({ days: [d], text });
  }
  return groups.map((g) => `${dayRun(g.days)} ${g.text}`).join("；");
}

function dayRun(days: Weekday[]): string {
  if (days.length === 1) return WEEKDAY_LABELS[days[0]];
  if (days.length === 2) return `${WEEKDAY_LABELS[days[0]]}、${WEEKDAY_LABELS[days[1]]}`;
  return `${WEEKDAY_LABELS[days[0]]}至${WEEKDAY_LABELS[days.at(-1)!]}`;
}

/** "10月8日周四" */
export function dateLabel(date: string): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日${WEEKDAY_LABELS[weekdayOf(date)]}`;
}
