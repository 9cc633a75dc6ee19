// Due times: response limits in clock hours, resolution limits in working days on China's official calendar
// (public holidays and make-up working days 调休, from chinese-days), plus local days off.
import chineseDays from "chinese-days";
import { chinaDate } from "./time.ts";
import type { Urgency } from "./case.ts";

const DAY_MS = 24 * 3600_000;

export interface WorkCalendar {
  isWorkingDay(date: string): boolean;
}

/** The official calendar, with optional local overrides: dates that are days off, or working days, here. */
export function officialCalendar(overrides: { daysOff?: Iterable<string>; workingDays?: Iterable<string> } = {}): WorkCalendar {
  const off = new Set(overrides.daysOff ?? []);
  const on = new Set(overrides.workingDays ?? []);
  // chinese-days parses the date at every call, and each case's deadlines ask for a dozen days: asked once per date
  // (a few thousand dates at most in years of running).
  const official = new Map<string, boolean>();
  return {
    isWorkingDay(date) {
      if (off.has(date)) return false;
      if (on.has(date)) return true;
      let working = official.get(date);
      if (working === undefined) {
        if (official.size >= 20_000) official.clear();
        official.set(date, (working = chineseDays.isWorkday(date)));
      }
      return working;
    },
  };
}

/** Working days end at 18:00 in China: "within 3 working days" means by 18:00 on the third. */
export const END_OF_WORKING_DAY = "18:00";

/** The end (18:00) of the `days`-th working day after `from`; the day of `from` itself does not count. */
export function addWorkingDays(calendar: WorkCalendar, from: Date, days: number): Date {
  let at = from.getTime();
  let left = days;
  // A year holds far fewer than 400 consecutive days off; the bound only guards against a broken calendar.
  for (let guard = 0; left > 0 && guard < days + 400; guard++) {
    at += DAY_MS;
    if (calendar.isWorkingDay(chinaDate(new Date(at)))) left--;
  }
  return new Date(`${chinaDate(new Date(at))}T${END_OF_WORKING_DAY}:00+08:00`);
}

export interface Limits {
  responseHours: number;
  resolveDays: number;
}

/** Urgent and emergency cases run on hours, not days. */
export function dueTimes(calendar: WorkCalendar, now: Date, limits: Limits, urgency: Urgency) {
  if (urgency === "emergency") {
    return { responseDueAt: new Date(now.getTime() + 0.5 * 3600_000), resolveDueAt: new Date(now.getTime() + 24 * 3600_000) };
  }
  if (urgency === "urgent") {
    const responseHours = Math.min(limits.responseHours, 2);
    return {
      responseDueAt: new Date(now.getTime() + responseHours * 3600_000),
      resolveDueAt: new Date(now.getTime() + Math.min(limits.resolveDays, 2) * DAY_MS),
    };
  }
  return {
    responseDueAt: new Date(now.getTime() + limits.responseHours * 3600_000),
    resolveDueAt: addWorkingDays(calendar, now, limits.resolveDays),
  };
}
