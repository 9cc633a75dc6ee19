// GET /api/kpis — 考核评价 per unit, grid or matter category over a period, for systems with a worker token.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { AuthorizationError } from "../errors.ts";
import { kpisBy } from "../domain/kpi.ts";

const query = z.object({
  groupBy: z.enum(["unit", "grid", "category"]).default("unit"),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

export function kpiRoutes(services: Services): Router {
  const router = new Router({ prefix: "/api/kpis" });
  router.use(requirePrincipal(services.db, services.clock));
  router.get("/", async (ctx) => {
    const p = ctx.state.principal as Principal;
    if (p.role === "unit") throw AuthorizationError("承办单位不能查看考核数据");
    const scope = p.scope ? { OR: [{ gridId: { in: p.scope.gridIds } }, { leadUnitId: { in: p.scope.unitIds } }] } : {};
    const q = parseInput(query, ctx.query);
    const now = services.clock();
    const cases = await services.db.case.findMany({
      where: { AND: [scope, { createdAt: { gte: q.from, lt: q.to }, status: { notIn: ["merged", "rejected", "withdrawn"] } }] },
      include: { leadUnit: true, grid: true, matter: true },
    });
    const settings = await services.settings.current();
    const key = {
      unit: (c: (typeof cases)[number]) => c.leadUnit?.name ?? null,
      grid: (c: (typeof cases)[number]) => c.grid?.name ?? null,
      category: (c: (typeof cases)[number]) => c.matter?.category ?? null,
    }[q.groupBy];
    ctx.body = {
      groupBy: q.groupBy,
      from: q.from ?? null,
      to: q.to ?? null,
      definitions: {
        responseRate: "响应率 = 响应时限内签收的工单 / 已到响应时限的工单",
        resolutionRate: "解决率 = 评价为满意或基本满意的工单 / 已评价工单",
        satisfactionRate: `满意率 = (满意 + ${settings.basicSatisfactionWeight} × 基本满意) / 已评价工单`,
        composite: `综合得分 = ${settings.kpiWeights.response} × 响应率 + ${settings.kpiWeights.resolution} × 解决率 + ${settings.kpiWeights.satisfaction} × 满意率`,
      },
      rows: kpisBy(cases, key, now, { basicWeight: settings.basicSatisfactionWeight, weights: settings.kpiWeights }),
    };
  });
  return router;
}
