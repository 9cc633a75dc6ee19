// 同诉: is a new appeal the same open problem as a case already being handled? Same matter, same building (or,
// when no building is known, the same grid and the same place words), still open, opened within the window, and
// words alike at least as much as the setting asks (the duplicates' measure, queries.ts similarities).
import { sqlRows, sqlTime, type Db, type Prisma } from "../db.ts";
import { OPEN_STATUSES } from "../domain/case.ts";
import { modelColumns } from "../rawRows.ts";
import { similarities } from "./queries.ts";

export interface AppealFacts {
  text: string;
  matterId: number;
  buildingId: number | null;
  gridId: number | null;
  location: string | null;
  now: Date;
}

/** Where a case must be to be the same place: the building, or the grid and the words naming the place. */
function samePlace(a: AppealFacts): { sql: string; values: unknown[] } | null {
  if (a.buildingId) return { sql: `"buildingId" = ?`, values: [a.buildingId] };
  // Without a building or place words, "路灯不亮" in one grid could be any street: never joined.
  if (a.gridId && a.location) return { sql: `"buildingId" IS NULL AND "gridId" = ? AND "location" = ?`, values: [a.gridId, a.location] };
  return null;
}

const CANDIDATES = (columns: string, place: string) =>
  `SELECT ${columns} FROM "Case" WHERE ${place} AND "matterId" = ? AND "status" IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(", ")})` +
  ` AND "mergedIntoId" IS NULL AND "anonymisedAt" IS NULL AND "createdAt" >= ?t ORDER BY "id" DESC LIMIT 50`;

/** The query for the open cases this appeal could repeat (the newest 50 of its matter at its place); null without a place. */
export function candidatesQuery(db: Db | Prisma.TransactionClient, a: AppealFacts, days: number): { sql: string; values: unknown[] } | null {
  const place = samePlace(a);
  if (!place) return null;
  const since = sqlTime(new Date(a.now.getTime() - days * 86400_000));
  return { sql: CANDIDATES(modelColumns(db, "Case"), place.sql), values: [...place.values, a.matterId, since] };
}

/** The open case this appeal repeats, most alike first, with how alike; null when there is none. */
export async function sameOpenProblem(db: Db | Prisma.TransactionClient, a: AppealFacts, s: { similarity: number; days: number }) {
  const query = candidatesQuery(db, a, s.days);
  if (!query || s.similarity >= 1) return null;
  // Raw SQL (db.ts sqlRows): every appeal with a place asks it.
  const candidates = await sqlRows<Prisma.CaseGetPayload<object>>(db, query.sql, ...query.values);
  if (!candidates.length) return null;
  const alike = similarities(a.text, candidates);
  const best = candidates
    .map((c) => ({ kase: c, similarity: alike.get(c.id) ?? 0 }))
    .filter((c) => c.similarity >= s.similarity)
    .sort((x, y) => y.similarity - x.similarity || y.kase.reporterCount - x.kase.reporterCount)[0];
  return best ?? null;
}

/** The residents who joined a case and were not split off, with how to reach them. */
export function joinedReporters(db: Db | Prisma.TransactionClient, caseId: number, opts: { unratedOnly?: boolean } = {}) {
  return db.caseReporter.findMany({
    where: { caseId, splitAt: null, residentId: { not: null }, ...(opts.unratedOnly ? { satisfaction: null } : {}) },
    include: { resident: true },
    orderBy: { id: "asc" },
  });
}
