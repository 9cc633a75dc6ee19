// How cases are found: the list's filter (what the viewer may see, narrowed by the query) and "overdue" as a
// query, the same rule as isOverdue in domain/case.ts, which presents it per case.
import type { Prisma } from "../db.ts";
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
