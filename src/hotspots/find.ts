// 未诉先办: which matters keep coming back in one place. Pure: the cases of the last two periods in, the clusters
// out. A cluster is one matter in one building, or in one community across its buildings, raised at least
// `minCases` times in the last `days` days (each case once, however many residents joined it); it is "rising"
// when that is also at least twice the period before (which had some), else "repeat".

export interface HotspotCase {
  id: number;
  matterId: number;
  buildingId: number | null;
  gridId: number | null;
  createdAt: Date;
}

export interface Cluster {
  matterId: number;
  areaId: number;
  level: "building" | "community";
  kind: "repeat" | "rising";
  count: number;
  previousCount: number;
  caseIds: number[];
}

/** How much more than the period before makes a hotspot "rising". */
export const RISING_FACTOR = 2;

export function findClusters(cases: HotspotCase[], o: { now: Date; days: number; minCases: number; communityOf: (gridId: number) => number | null }): Cluster[] {
  const span = o.days * 86400_000;
  const start = o.now.getTime() - span;
  const groups = new Map<string, { matterId: number; areaId: number; level: Cluster["level"]; current: HotspotCase[]; previous: number }>();
  const add = (c: HotspotCase, level: Cluster["level"], areaId: number | null) => {
    if (!areaId) return;
    const key = `${c.matterId}:${areaId}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { matterId: c.matterId, areaId, level, current: [], previous: 0 }));
    const at = c.createdAt.getTime();
    if (at >= start && at <= o.now.getTime()) g.current.push(c);
    else if (at >= start - span && at < start) g.previous++;
  };
  for (const c of cases) {
    add(c, "building", c.buildingId);
    add(c, "community", c.gridId ? o.communityOf(c.gridId) : null);
  }
  const found: Cluster[] = [];
  for (const g of groups.values()) {
    if (g.current.length < o.minCases) continue;
    // A community's cluster that is one building's cluster says nothing more: the building's is enough.
    if (g.level === "community" && new Set(g.current.map((c) => c.buildingId)).size === 1 && g.current[0].buildingId) continue;
    const count = g.current.length;
    found.push({
      matterId: g.matterId,
      areaId: g.areaId,
      level: g.level,
      kind: g.previous > 0 && count >= RISING_FACTOR * g.previous ? "rising" : "repeat",
      count,
      previousCount: g.previous,
      caseIds: g.current.map((c) => c.id).sort((a, b) => a - b),
    });
  }
  return found.sort((a, b) => b.count - a.count || a.matterId - b.matterId || a.areaId - b.areaId);
}
