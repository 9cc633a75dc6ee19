// Time in the service's zone (China Standard Time, UTC+8, no daylight saving) and Chinese date wording.
const OFFSET_MS = 8 * 3600_000;

/** The calendar date (YYYY-MM-DD) of an instant in China. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

export function chinaYear(at: Date): number {
  return new Date(at.getTime() + OFFSET_MS).getUTCFullYear();
}

/** Minutes since midnight in China. */
export function chinaMinuteOfDay(at: Date): number {
  const d = new Date(at.getTime() + OFFSET_MS);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}

/** e.g. "2026-12-04 18:00": for tables and exports. */
export function formatChinaTimestamp(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 16).replace("T", " ");
}

const WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
const twoDigits = (n: number) => String(n).padStart(2, "0");

/** e.g. "12月4日周五 18:00" (as Intl's zh-CN short weekday and 24-hour time write it; by arithmetic, a tenth of its cost). */
export function formatChinaDateTime(at: Date): string {
  const d = new Date(at.getTime() + OFFSET_MS);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日${WEEKDAYS[d.getUTCDay()]} ${twoDigits(d.getUTCHours())}:${twoDigits(d.getUTCMinutes())}`;
}
