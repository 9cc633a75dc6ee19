// GET /api/kpis — 考核评价 per unit, grid, street, district or matter category (a ranking) or per day, week or month
// (a trend), for signed-in workers (their own grids and units), administrators (a district's or a street's: theirs)
// and systems with a worker token. A street's or a district's row counts the cases in the grids under it.
import Router from "@koa/router";
import type Koa from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { visibleCases } from "../cases/access.ts";
import { AuthorizationError } from "../errors.ts";
import { computeKpis, kpisBy } from "../domain/kpi.ts";
import { chinaDate } from "../domain/time.ts";
import { sendTable, type Column, type TableFormat } from "../http/tables.ts";
import { rowId } from "../http/ids.ts";
import { gridsAbove } from "../org/areas.ts";
import { areasUnder } from "../org/scope.ts";

export const kpiQuery = z.object({
  /** unit, grid, category: a ranking; day, week, month: a trend over time (China dates). */
  groupBy: z.enum(["unit", "grid", "street", "district", "category", "day", "week", "month"]).default("unit"),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  gridId: rowId.optional(),
  unitId: rowId.optional(),
  /** The cases in the grids under this area (a district, a street, a community). */
  areaId: rowId.optional(),
});

const GROUP_LABELS = { unit: "承办单位", grid: "网格", street: "街道", district: "区", category: "事项类别", day: "日期", week: "周（起始日）", month: "月份" } as const;
const PERIODS = new Set(["day", "week", "month"]);

/** The Monday (China date) of the week an instant falls in. */
function chinaWeek(at: Date): string {
  const day = chinaDate(at);
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return chinaDate(new Date(at.getTime() - weekday * 86400_000));
}

export function kpiRoutes(services: Services): Router {
  const router = new Router({ prefix: "/api/kpis" });
  router.use(requirePrincipal(services.db, services.clock));
  async function report(ctx: Koa.Context) {
    const p = ctx.state.principal as Principal;
    if (p.role === "unit") throw AuthorizationError("承办单位不能查看考核数据");
    const q = parseInput(kpiQuery, ctx.query);
    const now = services.clock();
    const underArea = q.areaId ? (await areasUnder(services.db, q.areaId))?.gridIds ?? [] : null;
    const cases = await services.db.case.findMany({
      where: {
        AND: [
          visibleCases(p),
          { createdAt: { gte: q.from, lt: q.to }, status: { notIn: ["merged", "rejected", "withdrawn"] } },
          q.gridId ? { gridId: q.gridId } : {},
          q.unitId ? { leadUnitId: q.unitId } : {},
          underArea ? { gridId: { in: underArea } } : {},
        ],
      },
      // Only what the rates need: a year of a district's cases is tens of thousands of rows.
      select: { createdAt: true, dispatchedAt: true, responseDueAt: true, respondedAt: true, resolvedAt: true, escalationLevel: true, satisfaction: true, leadUnitId: true, gridId: true, matterId: true },
    });
    const [units, grids, matters, above] = await Promise.all([
      q.groupBy === "unit" ? services.db.unit.findMany({ select: { id: true, name: true } }) : [],
      q.groupBy === "grid" ? services.db.area.findMany({ where: { level: "grid" }, select: { id: true, name: true } }) : [],
      q.groupBy === "category" ? services.db.matter.findMany({ select: { id: true, name: true, category: true } }) : [],
      q.groupBy === "street" || q.groupBy === "district" ? gridsAbove(services.db, q.groupBy) : new Map<number, { name: string }>(),
    ]);
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    const gridName = new Map(grids.map((g) => [g.id, g.name]));
    const category = new Map(matters.map((m) => [m.id, m.category]));
    const settings = await services.settings.current();
    type Row = (typeof cases)[number];
    const key: Record<typeof q.groupBy, (c: Row) => string | null> = {
      unit: (c) => (c.leadUnitId ? unitName.get(c.leadUnitId) ?? null : null),
      grid: (c) => (c.gridId ? gridName.get(c.gridId) ?? null : null),
      street: (c) => (c.gridId ? above.get(c.gridId)?.name ?? null : null),
      district: (c) => (c.gridId ? above.get(c.gridId)?.name ?? null : null),
      category: (c) => (c.matterId ? category.get(c.matterId) || null : null),
      day: (c) => chinaDate(c.createdAt),
      week: (c) => chinaWeek(c.createdAt),
      month: (c) => chinaDate(c.createdAt).slice(0, 7),
    };
    const rows = kpisBy(cases, key[q.groupBy], now, { basicWeight: settings.basicSatisfactionWeight, weights: settings.kpiWeights });
    if (PERIODS.has(q.groupBy)) rows.sort((a, b) => a.group.localeCompare(b.group));
    const w = settings.kpiWeights;
    return {
      groupBy: q.groupBy,
      groupLabel: GROUP_LABELS[q.groupBy],
      from: q.from ?? null,
      to: q.to ?? null,
      total: computeKpis(cases, now, { basicWeight: settings.basicSatisfactionWeight, weights: w }),
      definitions: {
        responseRate: "响应率 = 响应时限内签收的工单 / 已到响应时限的工单",
        resolutionRate: "解决率 = 评价为满意或基本满意的工单 / 已评价工单",
        satisfactionRate: `满意率 = (满意 + ${settings.basicSatisfactionWeight} × 基本满意) / 已评价工单`,
        composite: `综合得分 = ${w.response} × 响应率 + ${w.resolution} × 解决率 + ${w.satisfaction} × 满意率`,
      },
      rows,
    };
  }

  router.get("/", async (ctx) => {
    ctx.body = await report(ctx);
  });

  // The same table for a spreadsheet, with the definitions on a second sheet.
  async function exportKpis(ctx: Koa.Context, format: TableFormat) {
    const r = await report(ctx);
    type Row = (typeof r.rows)[number];
    const columns: Column<Row>[] = [
      { header: r.groupLabel, value: (x) => x.group, width: 24 },
      { header: "工单量", value: (x) => x.volume, width: 8 },
      { header: "响应率", value: (x) => x.responseRate, width: 9, numFmt: "0.0%" },
      { header: "解决率", value: (x) => x.resolutionRate, width: 9, numFmt: "0.0%" },
      { header: "满意率", value: (x) => x.satisfactionRate, width: 9, numFmt: "0.0%" },
      { header: "综合得分", value: (x) => x.composite, width: 9, numFmt: "0.000" },
      { header: "应响应", value: (x) => x.responseDue, width: 8 },
      { header: "按时响应", value: (x) => x.respondedOnTime, width: 9 },
      { header: "已评价", value: (x) => x.evaluated, width: 8 },
      { header: "超期", value: (x) => x.overdue, width: 8 },
      { header: "平均响应（小时）", value: (x) => x.avgHoursToRespond, width: 14 },
      { header: "平均办结（小时）", value: (x) => x.avgHoursToResolve, width: 14 },
    ];
    await sendTable(ctx, { name: `考核评价-${r.groupLabel}`, sheet: "考核评价", format, columns, rows: r.rows, notes: Object.values(r.definitions) });
  }
  router.get("/export.xlsx", (ctx) => exportKpis(ctx, "xlsx"));
  router.get("/export.csv", (ctx) => exportKpis(ctx, "csv"));
  return router;
}
