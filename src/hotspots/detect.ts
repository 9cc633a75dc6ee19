// The nightly 未诉先办 pass: clusters found (find.ts) are kept as Hotspot rows — found again while it goes on, a
// hotspot is updated, never duplicated — and a new one is told to its community and its street once, with the
// case numbers behind it and nothing personal.
import type { Db, Prisma } from "../db.ts";
import { notifyArea } from "../followup/notify.ts";
import type { Replies } from "../texts/replies.ts";
import { chinaDate } from "../domain/time.ts";
import { findClusters, type Cluster } from "./find.ts";

type Tx = Prisma.TransactionClient;

/** Cases that count: residents' appeals with a matter, not merged into another or refused as no appeal. */
export const COUNTED_CASES: Prisma.CaseWhereInput = { origin: "resident", matterId: { not: null }, status: { notIn: ["merged", "rejected"] } };

export async function detectHotspots(db: Db, replies: Replies, o: { now: Date; days: number; minCases: number }) {
  const since = new Date(o.now.getTime() - 2 * o.days * 86400_000);
  const [cases, areas, matters] = await Promise.all([
    db.case.findMany({ where: { ...COUNTED_CASES, createdAt: { gte: since, lte: o.now } }, select: { id: true, number: true, matterId: true, buildingId: true, gridId: true, createdAt: true } }),
    db.area.findMany({ select: { id: true, level: true, name: true, parentId: true } }),
    db.matter.findMany({ select: { id: true, name: true } }),
  ]);
  const area = new Map(areas.map((a) => [a.id, a]));
  const communityOf = (gridId: number) => area.get(gridId)?.parentId ?? null;
  const clusters = findClusters(cases.map((c) => ({ ...c, matterId: c.matterId! })), { ...o, communityOf });
  const numbers = new Map(cases.map((c) => [c.id, c.number]));
  const matterName = new Map(matters.map((m) => [m.id, m.name]));
  let created = 0;
  for (const cl of clusters) {
    const isNew = await db.$transaction(async (tx) => {
      const { hotspot, isNew } = await keep(tx, cl, o);
      // The community and the street above it hear once per hotspot (the dedupe key), in their work chats.
      const community = cl.level === "community" ? cl.areaId : communityOf(area.get(cl.areaId)?.parentId ?? -1);
      const told = [community, community ? area.get(community)?.parentId ?? null : null].filter((id): id is number => Boolean(id));
      if (isNew) {
        const text = replies.render("hotspot_notice", {
          area: areaName(area, cl.areaId),
          matter_name: matterName.get(cl.matterId) ?? "",
          days: String(o.days),
          count: String(cl.count),
          trend: cl.kind === "rising" ? `，上一${o.days}天为 ${cl.previousCount} 件，明显上升` : "",
          cases: cl.caseIds.map((id) => numbers.get(id)).join("、"),
        });
        for (const areaId of told) await notifyArea(tx, areaId, { caseId: null, text, kind: "hotspot", now: o.now, dedupeKey: `hotspot:${hotspot.id}:a${areaId}` });
      }
      return isNew;
    });
    if (isNew) created++;
  }
  return { found: clusters.length, created };
}

/** The same matter and area still going on (seen within a period): updated; otherwise a new hotspot. */
async function keep(tx: Tx, cl: Cluster, o: { now: Date; days: number }) {
  const ongoing = await tx.hotspot.findFirst({
    where: { matterId: cl.matterId, areaId: cl.areaId, lastSeenAt: { gte: new Date(o.now.getTime() - o.days * 86400_000) } },
    orderBy: { id: "desc" },
  });
  const data = { kind: cl.kind, count: cl.count, previousCount: cl.previousCount, caseIds: cl.caseIds, lastSeenAt: o.now };
  if (ongoing) return { hotspot: await tx.hotspot.update({ where: { id: ongoing.id }, data }), isNew: false };
  const key = `${cl.matterId}:${cl.areaId}:${chinaDate(new Date(o.now.getTime() - o.days * 86400_000))}`;
  const existing = await tx.hotspot.findUnique({ where: { key } });
  if (existing) return { hotspot: await tx.hotspot.update({ where: { id: existing.id }, data }), isNew: false };
  return { hotspot: await tx.hotspot.create({ data: { key, matterId: cl.matterId, areaId: cl.areaId, firstSeenAt: o.now, ...data } }), isNew: true };
}

/** "幸福社区 3号楼" for a building, the community's own name for a community. */
export function areaName(area: Map<number, { name: string; level: string; parentId: number | null }>, id: number): string {
  const a = area.get(id);
  if (!a) return "";
  if (a.level !== "building") return a.name;
  const community = area.get(area.get(a.parentId ?? -1)?.parentId ?? -1);
  return [community?.name, a.name].filter(Boolean).join(" ");
}
