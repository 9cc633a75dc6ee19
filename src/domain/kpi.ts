// 考核评价: the three rates units, grids and matters are assessed on, and a composite score.
//   响应率 = cases responded to within the response limit / cases whose response was due
//   解决率 = evaluated cases the resident did not judge 不满意 / evaluated cases
//   满意率 = (满意 + w × 基本满意) / evaluated cases          (w = basicSatisfactionWeight, 0.9 by default)
//   综合得分 = weights.response × 响应率 + weights.resolution × 解决率 + weights.satisfaction × 满意率
// "Evaluated" means the resident answered the survey (满意, 基本满意 or 不满意); 未评价 does not count.

import { groupedBy } from "./collections.ts";

export interface KpiCase {
  createdAt: Date;
  dispatchedAt: Date | null;
  responseDueAt: Date | null;
  respondedAt: Date | null;
  resolvedAt: Date | null;
  escalationLevel: number;
  satisfaction: string | null;
}

export interface KpiWeights {
  response: number;
  resolution: number;
  satisfaction: number;
}

export const DEFAULT_KPI_WEIGHTS: KpiWeights = { response: 0.1, resolution: 0.5, satisfaction: 0.4 };

export interface Kpis {
  volume: number;
  responseDue: number;
  respondedOnTime: number;
  /** null when nothing was due or evaluated: no rate rather than a misleading 0 or 100%. */
  responseRate: number | null;
  evaluated: number;
  resolutionRate: number | null;
  satisfactionRate: number | null;
  composite: number | null;
  overdue: number;
  avgHoursToRespond: number | null;
  avgHoursToResolve: number | null;
}

const HOUR = 3600_000;
const round = (x: number) => Number(x.toFixed(4));
const mean = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

export function computeKpis(cases: KpiCase[], now: Date, opts: { basicWeight?: number; weights?: KpiWeights } = {}): Kpis {
  const basicWeight = opts.basicWeight ?? 0.9;
  const weights = opts.weights ?? DEFAULT_KPI_WEIGHTS;

  // A response is due once its limit has passed, or earlier if it has already happened.
  const due = cases.filter((c) => c.responseDueAt && (c.respondedAt || c.responseDueAt <= now));
  const onTime = due.filter((c) => c.respondedAt && c.respondedAt <= c.responseDueAt!);
  const evaluated = cases.filter((c) => c.satisfaction === "satisfied" || c.satisfaction === "basically_satisfied" || c.satisfaction === "dissatisfied");
  const satisfied = evaluated.filter((c) => c.satisfaction === "satisfied").length;
  const basically = evaluated.filter((c) => c.satisfaction === "basically_satisfied").length;

  const responseRate = due.length ? round(onTime.length / due.length) : null;
  const resolutionRate = evaluated.length ? round((satisfied + basically) / evaluated.length) : null;
  const satisfactionRate = evaluated.length ? round((satisfied + basicWeight * basically) / evaluated.length) : null;
  const composite =
    responseRate === null || resolutionRate === null || satisfactionRate === null
      ? null
      : round(weights.response * responseRate + weights.resolution * resolutionRate + weights.satisfaction * satisfactionRate);

  return {
    volume: cases.length,
    responseDue: due.length,
    respondedOnTime: onTime.length,
    responseRate,
    evaluated: evaluated.length,
    resolutionRate,
    satisfactionRate,
    composite,
    overdue: cases.filter((c) => c.escalationLevel > 0).length,
    avgHoursToRespond: mean(cases.filter((c) => c.respondedAt).map((c) => (c.respondedAt!.getTime() - (c.dispatchedAt ?? c.createdAt).getTime()) / HOUR)),
    avgHoursToResolve: mean(cases.filter((c) => c.resolvedAt).map((c) => (c.resolvedAt!.getTime() - c.createdAt.getTime()) / HOUR)),
  };
}

/** KPIs per group (unit, grid, matter category …), largest volume first. */
export function kpisBy<T extends KpiCase>(cases: T[], key: (c: T) => string | null, now: Date, opts?: Parameters<typeof computeKpis>[2]) {
  return [...groupedBy(cases, (c) => key(c) ?? "未指定")]
    .map(([group, list]) => ({ group, ...computeKpis(list, now, opts) }))
    .sort((a, b) => b.volume - a.volume || a.group.localeCompare(b.group));
}
