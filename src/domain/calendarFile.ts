// Local changes to the official working-day calendar, kept in a CSV file (date,type,note): a district's own day
// off (type "off"), or a day worked that is normally off ("work").
import { readFileSync, existsSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { officialCalendar, type WorkCalendar } from "./deadlines.ts";

const row = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "日期格式应为 YYYY-MM-DD"),
  type: z.enum(["off", "work", "休", "班"]),
  note: z.string().optional(),
});

export function calendarFromFile(file: string): WorkCalendar {
  if (!existsSync(file)) return officialCalendar();
  const records: Record<string, string>[] = parse(readFileSync(file), { columns: true, bom: true, skip_empty_lines: true, trim: true });
  const daysOff: string[] = [];
  const workingDays: string[] = [];
  records.forEach((r, i) => {
    const parsed = row.safeParse(r);
    if (!parsed.success) throw new Error(`${file} line ${i + 2}: ${parsed.error.issues[0].message}`);
    (parsed.data.type === "off" || parsed.data.type === "休" ? daysOff : workingDays).push(parsed.data.date);
  });
  return officialCalendar({ daysOff, workingDays });
}
