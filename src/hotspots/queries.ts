// What the 热点 page reads: the hotspots a viewer may see (the cases' scope: a worker of some grids sees the
// hotspots of their buildings and communities, with the case numbers they may open), and per month and community
// the problems that recur, with counts, trend and satisfaction — the candidates for 每月一题.
import type { Db, Prisma } from "../db.ts";
import { visibleCases, type CaseViewer } from "../cases/access.ts";
import { computeKpis } from "../domain/kpi.ts";
import { chinaDate } from "../domain/time.ts";
import { areaName, COUNTED_CASES } from "./detect.ts";

type AreaRow = { id: number; name: string; level: string; parentId: number | null };
const areaMap = async (db: Db) => new Map((await db.area.findMany({ select: { id: true, name: true, level: true, parentId: true } })).map((a) => [a.id, a] as [number, AreaRow]));

/** The areas whose hotspots a viewer may see: all (null), or their grids' buildings and communities. */
function visibleAreas(v: CaseViewer, areas: Map<number, AreaRow>): Set<number> | null {
  if (!v.scope) return null;
  const grids = new Set(v.scope.gridIds);
  const out = new Set<number>();
  for (const a of areas.values()) {
    if (a.level === "building" && a.parentId && grids.has(a.parentId)) out.add(a.id);
    if (a.level === "grid" && grids.has(a.id) && a.parentId) out.add(a.parentId);
  }
  return out;
}

/** Hotspots the viewer may see, newest first: open and tasked ones by default. */
export async function listHotspots(db: Db, v: CaseViewer, q: { status?: "open" | "tasked" | "dismissed" | "all" }) {
  const areas = await areaMap(db);
  const allowed = visibleAreas(v, areas);
  const rows = await db.hotspot.findMany({
    where: {
      ...(q.status === "all" ? {} : q.status ? { status: q.status } : { status: { in: ["open", "tasked"] } }),
      ...(allowed ? { areaId: { in: [...allowed] } } : {}),
    },
    include: { matter: { select: { code: true, name: true } }, taskCase: { select: { number: true, status: true } } },
    orderBy: [{ lastSeenAt: "desc" }, { count: "desc" }],
    take: 200,
  });
  const ids = rows.flatMap((h) => h.caseIds as number[]);
  const seen = ids.length ? await db.case.findMany({ where: { AND: [visibleCases(v), { id: { in: ids } }] }, select: { id: true, number: true } }) : [];
  const number = new Map(seen.map((c) => [c.id, c.number]));
  return rows.map((h) => presentHotspot(h, areas, number));
}

/** One hotspot the viewer may see, or null (missing and not theirs alike). */
export async function findVisibleHotspot(db: Db | Prisma.TransactionClient, v: CaseViewer, id: number) {
  const h = await db.hotspot.findUnique({ where: { id }, include: { matter: true, area: true } });
  if (!h) return null;
  const allowed = visibleAreas(v, await areaMap(db as Db));
  return allowed && !allowed.has(h.areaId) ? null : h;
}

type HotspotRow = Prisma.HotspotGetPayload<{ include: { matter: { select: { code: true; name: true } }; taskCase: { select: { number: true; status: true } } } }>;

export function presentHotspot(h: HotspotRow, areas: Map<number, AreaRow>, number: Map<number, string>) {
  return {
    id: h.id,
    kind: h.kind,
    status: h.status,
    matter: h.matter,
    area: { id: h.areaId, name: areaName(areas, h.areaId), level: areas.get(h.areaId)?.level ?? null },
    count: h.count,
    previousCount: h.previousCount,
    // Only the cases this viewer may open.
    cases: (h.caseIds as number[]).map((id) => number.get(id)).filter((n): n is string => Boolean(n)),
    firstSeenAt: h.firstSeenAt,
    lastSeenAt: h.lastSeenAt,
    task: h.taskCase ? { number: h.taskCase.number, status: h.taskCase.status } : null,
  };
}

export interface MonthlyRow {
  month: string;
  community: string;
  matterCode: string;
  matter: string;
  count: number;
  previousCount: number;
  trend: "new" | "up" | "down" | "same";
  evaluated: number;
  satisfactionRate: number | null;
}

/**
 * Per month (China time) and community, the matters raised at least twice among the cases the viewer may see,
 * most first: count, the month before, and the satisfaction rate of those answered (domain/kpi.ts).
 */
export async function monthlyProblems(db: Db, v: CaseViewer, q: { months: number; now: Date; basicWeight: number }): Promise<MonthlyRow[]> {
  const first = monthStart(q.now, q.months); // one month more, for the first month's trend
  const [cases, areas, matters] = await Promise.all([
    db.case.findMany({
      where: { AND: [visibleCases(v), COUNTED_CASES, { createdAt: { gte: first, lte: q.now } }] },
      select: { createdAt: true, gridId: true, matterId: true, dispatchedAt: true, responseDueAt: true, respondedAt: true, resolvedAt: true, escalationLevel: true, satisfaction: true },
    }),
    areaMap(db),
    db.matter.findMany({ select: { id: true, code: true, name: true } }),
  ]);
  const matter = new Map(matters.map((m) => [m.id, m]));
  const groups = new Map<string, typeof cases>();
  for (const c of cases) {
    const community = c.gridId ? areas.get(c.gridId)?.parentId ?? null : null;
    const key = `${chinaDate(c.createdAt).slice(0, 7)}|${community ?? 0}|${c.matterId}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const rows: MonthlyRow[] = [];
  const oldest = chinaDate(monthStart(q.now, q.months - 1)).slice(0, 7);
  for (const [key, list] of groups) {
    const [month, community, matterId] = key.split("|");
    if (month < oldest || list.length < 2) continue;
    const previousCount = groups.get(`${previousMonth(month)}|${community}|${matterId}`)?.length ?? 0;
    const k = computeKpis(list, q.now, { basicWeight: q.basicWeight });
    const m = matter.get(Number(matterId));
    rows.push({
      month,
      community: areas.get(Number(community))?.name ?? "未定位",
      matterCode: m?.code ?? "",
      matter: m?.name ?? "",
      count: list.length,
      previousCount,
      trend: previousCount === 0 ? "new" : list.length > previousCount ? "up" : list.length < previousCount ? "down" : "same",
      evaluated: k.evaluated,
      satisfactionRate: k.satisfactionRate,
    });
  }
  return rows.sort((a, b) => b.month.localeCompare(a.month) || b.count - a.count || a.matterCode.localeCompare(b.matterCode));
}

/** The first instant (China time) of the month `back` months before now's. */
function monthStart(now: Date, back: number): Date {
  const [y, m] = chinaDate(now).split("-").map(Number);
  const total = y * 12 + (m - 1) - back;
  return new Date(`${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}-01T00:00:00+08:00`);
}

function previousMonth(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}
