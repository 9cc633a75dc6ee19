// How cases are found: the list's filter (what the viewer may see, narrowed by the query) and a page of it,
// "overdue" as a query (the same rule as isOverdue in domain/case.ts, which presents it per case), and a case's
// possible duplicates.
import type { Db, Prisma } from "../db.ts";
import { NeighbourIndex } from "../classify/neighbours.ts";
import { OPEN_STATUSES, WORKING_STATUSES, type CaseStatus } from "../domain/case.ts";
import { visibleCases, type CaseViewer } from "./access.ts";

export interface CaseFilter {
  /** review: the review queue (待人工确认 and 已退单); open: not finished. */
  view: "all" | "review" | "open";
  status?: CaseStatus;
  gridId?: number;
  unitId?: number;
  matter?: string;
  overdue?: "true" | "false";
  from?: Date;
  to?: Date;
  /** Words to find in the appeal, its place, its result or its number; all must match. */
  q?: string;
}

export const REVIEW_STATUSES: CaseStatus[] = ["needs_review", "returned"];

/** isOverdue as a query. */
export function overdueWhere(now: Date): Prisma.CaseWhereInput {
  return {
    status: { in: WORKING_STATUSES },
    OR: [{ resolveDueAt: { lt: now } }, { respondedAt: null, responseDueAt: { lt: now } }, { escalationLevel: { gt: 0 } }],
  };
}

/** The filter for a case list: what the viewer may see, narrowed by the query. */
export function listWhere(q: CaseFilter, v: CaseViewer, now: Date): Prisma.CaseWhereInput {
  const late = overdueWhere(now);
  // Chinese has no spaces between words, so each term is found as a substring (SQLite LIKE, on indexed rows).
  const terms = (q.q ?? "").split(/\s+/).filter(Boolean).slice(0, 5);
  return {
    AND: [
      visibleCases(v),
      q.view === "review" ? { status: { in: REVIEW_STATUSES } } : q.view === "open" ? { status: { in: OPEN_STATUSES } } : {},
      q.status ? { status: q.status } : {},
      q.gridId ? { gridId: q.gridId } : {},
      q.unitId ? { leadUnitId: q.unitId } : {},
      q.matter ? { matter: { code: q.matter } } : {},
      q.overdue === "true" ? late : q.overdue === "false" ? { NOT: late } : {},
      q.from || q.to ? { createdAt: { gte: q.from, lt: q.to } } : {},
      ...terms.map((t) => ({ OR: [{ text: { contains: t } }, { location: { contains: t } }, { resolution: { contains: t } }, { number: { contains: t } }] })),
    ],
  };
}

/**
 * A page of the list (the review queue: what most residents raised first, then what the bot was least sure of,
 * then the oldest; the open cases: most residents first, then the newest), and its total.
 */
export async function listCases(db: Db, q: CaseFilter & { page: number; pageSize: number }, v: CaseViewer, now: Date) {
  const where = listWhere(q, v, now);
  const review = q.view === "review";
  const [total, rows] = await Promise.all([
    db.case.count({ where }),
    db.case.findMany({
      where,
      // What more residents raised (同诉) comes first in the queues.
      orderBy: review ? [{ reporterCount: "desc" }, { classConfidence: "asc" }, { id: "asc" }] : q.view === "open" ? [{ reporterCount: "desc" }, { id: "desc" }] : { id: "desc" },
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      include: { matter: true, leadUnit: true, grid: true, ...(review ? { events: { where: { type: "opened" }, take: 1 } } : {}) },
    }),
  ]);
  return { total, rows };
}

/** The cases of a list filter for a spreadsheet, oldest first (at most 50,000). */
/** At most this many cases in one export. */
export const EXPORT_MAX = 50_000;

/**
 * The cases this viewer may see, filtered like the list, oldest first, for a spreadsheet: read `page` at a time as
 * the file is written (sendTable), so memory holds one page, not the year.
 */
export async function* casesForExport(db: Db, q: CaseFilter, v: CaseViewer, now: Date, page = 1000) {
  const where = listWhere(q, v, now);
  let after = 0;
  for (let sent = 0; sent < EXPORT_MAX; ) {
    const rows = await db.case.findMany({ where: { AND: [where, { id: { gt: after } }] }, orderBy: { id: "asc" }, take: Math.min(page, EXPORT_MAX - sent), include: { matter: true, leadUnit: true, grid: true } });
    yield* rows;
    sent += rows.length;
    if (rows.length < page) return;
    after = rows[rows.length - 1].id;
  }
}

/** Names of matters by code (for the bot's alternatives). */
export async function matterNames(db: Db, codes: string[]): Promise<Map<string, string>> {
  const rows = codes.length ? await db.matter.findMany({ where: { code: { in: [...new Set(codes)] } }, select: { code: true, name: true } }) : [];
  return new Map(rows.map((m) => [m.code, m.name]));
}

/** Numbers of cases by id (the cases joined reports were split off into). */
export async function caseNumbers(db: Db, ids: (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  const rows = wanted.length ? await db.case.findMany({ where: { id: { in: wanted } }, select: { id: true, number: true } }) : [];
  return new Map(rows.map((c) => [c.id, c.number]));
}

/** Possible duplicates: open cases the viewer may see, of the same matter in the same grid (or building) from the 7 days before, most alike first. */
export async function duplicatesOf(
  db: Db,
  k: { id: number; text: string; matterId: number | null; gridId: number | null; buildingId: number | null; createdAt: Date },
  v: CaseViewer,
) {
  const since = new Date(k.createdAt.getTime() - 7 * 86400_000);
  const candidates = await db.case.findMany({
    where: {
      AND: [
        visibleCases(v),
        { id: { not: k.id }, matterId: k.matterId ?? -1, status: { in: OPEN_STATUSES }, createdAt: { gte: since } },
        k.buildingId ? { OR: [{ buildingId: k.buildingId }, { gridId: k.gridId }] } : { gridId: k.gridId },
      ],
    },
    take: 200,
    orderBy: { id: "desc" },
  });
  const ranked = similarities(k.text, candidates);
  return candidates
    .map((c) => ({ number: c.number, status: c.status, text: c.text, createdAt: c.createdAt, sameBuilding: Boolean(k.buildingId && c.buildingId === k.buildingId), similarity: ranked.get(c.id) ?? 0 }))
    .sort((a, b) => b.similarity - a.similarity);
}

/**
 * How alike each case's words are to `text`, by case id (0 when nothing is shared): the nearest-examples index
 * over these cases alone. The duplicates and 同诉 (sameProblem.ts) share this one measure.
 */
export function similarities(text: string, cases: { id: number; text: string }[]): Map<number, number> {
  const index = NeighbourIndex.build(cases.map((c) => ({ text: c.text, label: String(c.id) })));
  return new Map(index.nearest(text, cases.length, 0).map((n) => [Number(n.label), n.similarity]));
}
