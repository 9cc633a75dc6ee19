// Time in the service's zone (China Standard Time, UTC+8, no daylight saving) and Chinese date wording.
const ZONE = "Asia/Shanghai";
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

const dateTimeFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE,
  month: "numeric",
  day: "numeric",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

/** e.g. "2026-12-04 18:00": for tables and exports. */
export function formatChinaTimestamp(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 16).replace("T", " ");
}

/** e.g. "12月4日周五 18:00" */
export function formatChinaDateTime(at: Date): string {
  const parts = Object.fromEntries(dateTimeFormat.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.month}月${parts.day}日${parts.weekday} ${parts.hour}:${parts.minute}`;
}
