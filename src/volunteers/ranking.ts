// The monthly ranking of volunteers per grid: tasks done and hours given in a month (China time).
import { z } from "zod";
import type { Db } from "../db.ts";

export const monthSchema = z.string().regex(/^20\d{2}-(0[1-9]|1[0-2])$/, "月份形如 2026-10");

/** The month of `at` in China time, e.g. "2026-10". */
export const chinaMonth = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 7);

/** The month's bounds as instants: from 00:00 on its first day to 00:00 on the next month's, China time. */
export function monthBounds(month: string): { from: Date; to: Date } {
  const [y, m] = month.split("-").map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
  return { from: new Date(`${month}-01T00:00:00+08:00`), to: new Date(`${next}-01T00:00:00+08:00`) };
}

export interface RankedVolunteer {
  rank: number;
  volunteerId: number;
  name: string;
  tasks: number;
  hours: number;
}

/** One volunteer's month (China time): tasks done and hours given, in every grid they helped in. */
export async function volunteerMonth(db: Db, volunteerId: number, month: string): Promise<{ tasks: number; hours: number }> {
  const rows = (await monthlyRanking(db, month)).flatMap((g) => g.volunteers).filter((v) => v.volunteerId === volunteerId);
  return { tasks: rows.reduce((n, r) => n + r.tasks, 0), hours: Math.round(rows.reduce((n, r) => n + r.hours, 0) * 100) / 100 };
}

/**
 * Per grid (all grids, or one; of `gridIds` only, a district's or a street's), its volunteers who finished tasks in
 * the month: most hours first, then most tasks.
 */
export async function monthlyRanking(db: Db, month: string, gridId?: number, gridIds?: number[]) {
  const { from, to } = monthBounds(month);
  const done = await db.volunteerTask.findMany({
    where: { status: "done", doneAt: { gte: from, lt: to }, volunteerId: { not: null }, AND: [gridId ? { gridId } : {}, gridIds ? { gridId: { in: gridIds } } : {}] },
    include: { volunteer: true },
  });
  const grids = await db.area.findMany({ where: { id: { in: [...new Set(done.map((t) => t.gridId).filter((g): g is number => g !== null))] } } });
  const byGrid = new Map<number | null, Map<number, RankedVolunteer>>();
  for (const t of done) {
    const ranking = byGrid.get(t.gridId) ?? new Map<number, RankedVolunteer>();
    byGrid.set(t.gridId, ranking);
    const row = ranking.get(t.volunteerId!) ?? { rank: 0, volunteerId: t.volunteerId!, name: t.volunteer!.name, tasks: 0, hours: 0 };
    row.tasks++;
    row.hours = Math.round((row.hours + (t.hours ?? 0)) * 100) / 100;
    ranking.set(t.volunteerId!, row);
  }
  return [...byGrid.entries()].map(([gid, ranking]) => {
    const rows = [...ranking.values()].sort((a, b) => b.hours - a.hours || b.tasks - a.tasks || a.volunteerId - b.volunteerId);
    rows.forEach((r, i) => (r.rank = i + 1));
    return { gridId: gid, gridName: grids.find((g) => g.id === gid)?.name ?? "未分网格", volunteers: rows };
  });
}
