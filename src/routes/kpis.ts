// GET /api/kpis — 考核评价 per unit, grid or matter category over a period, for systems with a worker token.
import Router from "@koa/router";
import type Koa from "koa";
import ExcelJS from "exceljs";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, visibleCases, type Principal } from "../http/apiTokens.ts";
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
  async function report(ctx: Koa.Context) {
    const p = ctx.state.principal as Principal;
    if (p.role === "unit") throw AuthorizationError("承办单位不能查看考核数据");
    const scope = visibleCases(p);
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
    return {
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
  }

  router.get("/", async (ctx) => {
    ctx.body = await report(ctx);
  });

  // The same table as a spreadsheet, with the definitions on a second sheet.
  router.get("/export.xlsx", async (ctx) => {
    const r = await report(ctx);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("考核评价");
    sheet.columns = [
      { header: { unit: "承办单位", grid: "网格", category: "事项类别" }[r.groupBy], key: "group", width: 24 },
      { header: "工单量", key: "volume", width: 8 },
      { header: "响应率", key: "responseRate", width: 9, style: { numFmt: "0.0%" } },
      { header: "解决率", key: "resolutionRate", width: 9, style: { numFmt: "0.0%" } },
      { header: "满意率", key: "satisfactionRate", width: 9, style: { numFmt: "0.0%" } },
      { header: "综合得分", key: "composite", width: 9, style: { numFmt: "0.000" } },
      { header: "已评价", key: "evaluated", width: 8 },
      { header: "超期", key: "overdue", width: 8 },
      { header: "平均响应（小时）", key: "avgHoursToRespond", width: 14 },
      { header: "平均办结（小时）", key: "avgHoursToResolve", width: 14 },
    ];
    sheet.getRow(1).font = { bold: true };
    for (const row of r.rows) sheet.addRow(row);
    const defs = workbook.addWorksheet("指标说明");
    defs.columns = [{ header: "指标", key: "k", width: 12 }, { header: "定义", key: "v", width: 80 }];
    for (const v of Object.values(r.definitions)) defs.addRow({ k: v.split(" = ")[0], v });
    ctx.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(`考核评价-${r.groupBy}.xlsx`)}`);
    ctx.type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    ctx.body = Buffer.from(await workbook.xlsx.writeBuffer());
  });
  return router;
}
