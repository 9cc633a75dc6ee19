// When a booking is for: the words residents and staff use ("下周二上午", "明天下午3点", "12月5日上午9点", "周六",
// "12月6日14:00") read against `now` in China time, and the open times of a place's service on the official calendar
// (the place's hours that day, the service's length): whether a time is open, and the next open times when not.
// Pure. chrono-node's zh-Hans parser was tried first: it reads "下周二上午" as two results (the 上午 one today), so
// this small reader takes the few forms residents use instead.
import type { WorkCalendar } from "../domain/deadlines.ts";
import { chinaDate } from "../domain/time.ts";
import { hoursOn, weekdayOf, WEEKDAYS, type WeekHours } from "./hours.ts";

export type DayPeriod = "morning" | "afternoon" | "evening";

/** What a text says about when: a date (YYYY-MM-DD), a minute of the day, a part of the day; null when nothing. */
export interface WhenSaid {
  date: string | null;
  minute: number | null;
  period: DayPeriod | null;
}

const NUM: Record<string, number> = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10, 十一: 11, 十二: 12 };
const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : (NUM[s] ?? NaN));
const WEEKDAY_CHARS: Record<string, number> = { 一: 0, 二: 1, 三: 2, 四: 3, 五: 4, 六: 5, 日: 6, 天: 6, "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6 };

const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The date and time said in `text`, read on the day of `now` in China. */
export function parseWhen(text: string, now: Date): WhenSaid | null {
  const today = chinaDate(now);
  let date: string | null = null;
  const rel = /(大后天|后天|明天|明日|今天|今日)/.exec(text);
  const week = /(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])/.exec(text);
  const full = /(20\d{2})[-/年](\d{1,2})[-/月](\d{1,2})[日号]?/.exec(text);
  const md = /(\d{1,2})月(\d{1,2})[日号]/.exec(text);
  if (full) date = `${full[1]}-${full[2].padStart(2, "0")}-${full[3].padStart(2, "0")}`;
  else if (md) {
    const thisYear = `${today.slice(0, 4)}-${md[1].padStart(2, "0")}-${md[2].padStart(2, "0")}`;
    date = thisYear < today ? `${Number(today.slice(0, 4)) + 1}${thisYear.slice(4)}` : thisYear;
  } else if (rel) date = addDays(today, { 今天: 0, 今日: 0, 明天: 1, 明日: 1, 后天: 2, 大后天: 3 }[rel[1]]!);
  else if (week) {
    const target = WEEKDAY_CHARS[week[2]];
    const todayIndex = WEEKDAYS.indexOf(weekdayOf(today));
    const monday = addDays(today, -todayIndex);
    // 下周二: Tuesday of next week; 这周二 / 本周二: this week's; 周二: the next Tuesday, today included.
    if (week[1]?.startsWith("下下")) date = addDays(monday, 14 + target);
    else if (week[1]?.startsWith("下")) date = addDays(monday, 7 + target);
    else if (week[1]) date = addDays(monday, target);
    else date = addDays(today, (target - todayIndex + 7) % 7);
  }
  if (date && Number.isNaN(Date.parse(`${date}T00:00:00Z`))) date = null;

  const periodWord = /(上午|早上|早晨|中午|下午|晚上|傍晚)/.exec(text)?.[1] ?? null;
  const period: DayPeriod | null = !periodWord ? null : /上午|早/.test(periodWord) ? "morning" : /下午|中午/.test(periodWord) ? "afternoon" : "evening";
  let minute: number | null = null;
  const clock = /(\d{1,2})[:：](\d{2})/.exec(text) ?? /(\d{1,2}|十[一二]?|[一二两三四五六七八九十])\s*点\s*(半|\d{1,2}分?|一刻)?/.exec(text);
  if (clock) {
    let hour = num(clock[1]);
    const part = clock[2] ?? "";
    const min = part === "半" ? 30 : part === "一刻" ? 15 : part ? Number(part.replace("分", "")) : 0;
    if (periodWord && /下午|晚上|傍晚/.test(periodWord) && hour < 12) hour += 12;
    if (periodWord === "中午" && hour < 6) hour += 12;
    if (hour >= 0 && hour < 24 && min >= 0 && min < 60) minute = hour * 60 + min;
  }
  if (!date && minute === null && !period) return null;
  return { date, minute, period };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** An instant from a date and a minute of the day in China. */
export const chinaInstant = (date: string, minute: number) => new Date(`${date}T${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}:00+08:00`);

interface Hours {
  week: WeekHours;
  holiday: string[];
}

/** The start times on a date at which the service fits in one of the place's open ranges, one after another. */
export function startsOn(calendar: WorkCalendar, hours: Hours, date: string, durationMinutes: number): number[] {
  const starts: number[] = [];
  for (const r of hoursOn(calendar, hours, date).ranges) {
    const end = toMinutes(r.slice(6));
    for (let m = toMinutes(r.slice(0, 5)); m + durationMinutes <= end; m += durationMinutes) starts.push(m);
  }
  return starts;
}

/** The open times from `after` on (later than it), at most `count`, looking `horizon` days ahead. */
export function nextOpenTimes(calendar: WorkCalendar, hours: Hours, durationMinutes: number, after: Date, count = 3, horizon = 30): Date[] {
  const found: Date[] = [];
  const first = chinaDate(after);
  for (let i = 0; i < horizon && found.length < count; i++) {
    const date = addDays(first, i);
    for (const m of startsOn(calendar, hours, date, durationMinutes)) {
      const at = chinaInstant(date, m);
      if (at.getTime() > after.getTime() && found.length < count) found.push(at);
    }
  }
  return found;
}

export type SlotAnswer = { open: true; at: Date } | { open: false; reason: "past" | "closed" | "no_date"; next: Date[] };

/**
 * The time a booking is for: the time said, or the first open start in the part of the day said ("上午": the place's
 * first open period that morning; "下午": the afternoon one), or the day's first open start. It must be open for
 * the whole service and later than `now`; otherwise the next open times (from that day on, and after now).
 */
export function resolveSlot(calendar: WorkCalendar, hours: Hours, durationMinutes: number, when: WhenSaid, now: Date): SlotAnswer {
  const date = when.date ?? chinaDate(now);
  const starts = startsOn(calendar, hours, date, durationMinutes);
  let minute: number | null = null;
  if (when.minute !== null) minute = fits(calendar, hours, date, when.minute, durationMinutes) ? when.minute : null;
  else if (when.period) minute = starts.find((m) => inPeriod(m, when.period!)) ?? null;
  else minute = starts[0] ?? null;
  const from = new Date(Math.max(now.getTime(), chinaInstant(date, 0).getTime() - 1));
  if (minute === null) return { open: false, reason: "closed", next: nextOpenTimes(calendar, hours, durationMinutes, from) };
  const at = chinaInstant(date, minute);
  if (at.getTime() <= now.getTime()) return { open: false, reason: "past", next: nextOpenTimes(calendar, hours, durationMinutes, now) };
  return { open: true, at };
}

/** Any start inside a range, as long as the whole service fits before the range ends (staff may say 14:15). */
function fits(calendar: WorkCalendar, hours: Hours, date: string, minute: number, durationMinutes: number): boolean {
  return hoursOn(calendar, hours, date).ranges.some((r) => toMinutes(r.slice(0, 5)) <= minute && minute + durationMinutes <= toMinutes(r.slice(6)));
}

function inPeriod(minute: number, period: DayPeriod): boolean {
  if (period === "morning") return minute < 12 * 60;
  if (period === "afternoon") return minute >= 12 * 60 && minute < 18 * 60;
  return minute >= 18 * 60;
}
