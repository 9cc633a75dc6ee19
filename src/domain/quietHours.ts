// Residents' quiet hours (default 21:00–08:00 China time): when a held message may go out.
import { chinaMinuteOfDay } from "./time.ts";

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function inQuietHours(at: Date, window: { start: string; end: string }): boolean {
  const m = chinaMinuteOfDay(at);
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (start === end) return false;
  return start < end ? m >= start && m < end : m >= start || m < end;
}

/** `at` itself when outside the window; otherwise the end of the window. */
export function afterQuietHours(at: Date, window: { start: string; end: string }): Date {
  if (!inQuietHours(at, window)) return at;
  const wait = (minutes(window.end) - chinaMinuteOfDay(at) + 24 * 60) % (24 * 60);
  const release = new Date(at.getTime() + wait * 60_000);
  release.setUTCSeconds(0, 0);
  return release;
}
