// The nightly 未诉先办 pass: clusters found (find.ts) are kept as Hotspot rows — found again while it goes on, a
// hotspot is updated, never duplicated — and a new one is told to its community and its street, with the case
// numbers behind it and nothing personal; told again only when its count has at least doubled since.
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
  let retold = 0;
  for (const cl of clusters) {
    const told = await db.$transaction(async (tx) => {
      const { hotspot, isNew, announcedCount } = await keep(tx, cl, o);
      const again = !isNew && hotspot.status !== "dismissed" && cl.count >= ANNOUNCE_AGAIN_FACTOR * announcedCount;
      if (!isNew && !again) return null;
      // The community and the street above it hear it in their work chats, once per count (the dedupe key: a
      // second run the same night repeats nothing).
      const community = cl.level === "community" ? cl.areaId : communityOf(area.get(cl.areaId)?.parentId ?? -1);
      const to = [community, community ? area.get(community)?.parentId ?? null : null].filter((id): id is number => Boolean(id));
      const rising = cl.kind === "rising" ? `，上一${o.days}天为 ${cl.previousCount} 件，明显上升` : "";
      const text = replies.render("hotspot_notice", {
        area: areaName(area, cl.areaId),
        matter_name: matterName.get(cl.matterId) ?? "",
        days: String(o.days),
        count: String(cl.count),
        trend: again ? `，比上次通报的 ${announcedCount} 件翻了一倍以上${rising}` : rising,
        cases: cl.caseIds.map((id) => numbers.get(id)).join("、"),
      });
      for (const areaId of to) await notifyArea(tx, areaId, { caseId: null, text, kind: "hotspot", now: o.now, dedupeKey: `hotspot:${hotspot.id}:n${cl.count}:a${areaId}` });
      await tx.hotspot.update({ where: { id: hotspot.id }, data: { announcedCount: cl.count } });
      return isNew ? "new" : "again";
    });
    if (told === "new") created++;
    if (told === "again") retold++;
  }
  return { found: clusters.length, created, retold };
}

/** How much a hotspot must have grown since it was last told for it to be told again. */
export const ANNOUNCE_AGAIN_FACTOR = 2;

/** The same matter and area still going on (seen within a period): updated; otherwise a new hotspot. */
async function keep(tx: Tx, cl: Cluster, o: { now: Date; days: number }) {
  const ongoing = await tx.hotspot.findFirst({
    where: { matterId: cl.matterId, areaId: cl.areaId, lastSeenAt: { gte: new Date(o.now.getTime() - o.days * 86400_000) } },
    orderBy: { id: "desc" },
  });
  const data = { kind: cl.kind, count: cl.count, previousCount: cl.previousCount, caseIds: cl.caseIds, lastSeenAt: o.now };
  const key = `${cl.matterId}:${cl.areaId}:${chinaDate(new Date(o.now.getTime() - o.days * 86400_000))}`;
  const existing = ongoing ?? (await tx.hotspot.findUnique({ where: { key } }));
  if (existing) return { hotspot: await tx.hotspot.update({ where: { id: existing.id }, data }), isNew: false, announcedCount: existing.announcedCount };
  return { hotspot: await tx.hotspot.create({ data: { key, matterId: cl.matterId, areaId: cl.areaId, firstSeenAt: o.now, ...data } }), isNew: true, announcedCount: 0 };
}

/** "幸福社区 3号楼" for a building, the community's own name for a community. */
export function areaName(area: Map<number, { name: string; level: string; parentId: number | null }>, id: number): string {
  const a = area.get(id);
  if (!a) return "";
  if (a.level !== "building") return a.name;
  const community = area.get(area.get(a.parentId ?? -1)?.parentId ?? -1);
  return [community?.name, a.name].filter(Boolean).join(" ");
}
