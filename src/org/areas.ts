// The organisation as the follow-up and the intake walk it: the areas above a grid (网格 → 社区 → 街道).
import type { Db } from "../db.ts";

/** The areas above a case's grid, nearest first (community, street); without a grid, the streets. */
export async function escalationChain(db: Db, gridId: number | null): Promise<number[]> {
  const chain: number[] = [];
  let area = gridId ? await db.area.findUnique({ where: { id: gridId } }) : null;
  while (area?.parentId) {
    area = await db.area.findUnique({ where: { id: area.parentId } });
    if (area) chain.push(area.id);
  }
  if (chain.length === 0) {
    const streets = await db.area.findMany({ where: { level: "street" }, orderBy: { id: "asc" }, take: 1 });
    chain.push(...streets.map((s) => s.id));
  }
  return chain;
}
