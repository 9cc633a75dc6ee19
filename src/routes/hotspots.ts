// 热点 (未诉先办, 每月一题) for workers and worker tokens, in the cases' scope: the current hotspots, the recurring
// problems per month and community (and their export), a hotspot turned into a proactive task or set aside.
import Router from "@koa/router";
import type Koa from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { actorOf } from "../cases/access.ts";
import { AppError, AuthorizationError, NotFoundError } from "../errors.ts";
import { TransitionError } from "../domain/caseMachine.ts";
import { STATUS_LABELS, type CaseStatus } from "../domain/case.ts";
import { sendTable, type Column, type TableFormat } from "../http/tables.ts";
import { findVisibleHotspot, listHotspots, monthlyProblems, type MonthlyRow } from "../hotspots/queries.ts";
import { dismissHotspot, taskFromHotspot } from "../hotspots/task.ts";
import { rowId } from "../http/ids.ts";

export const hotspotListSchema = z.object({ status: z.enum(["open", "tasked", "dismissed", "all"]).optional() });
export const monthlySchema = z.object({ months: z.coerce.number().int().min(1).max(24).default(6) });
const idParam = z.object({ id: rowId });
export const taskSchema = z.object({ text: z.string().trim().max(2000).optional() });
const NOT_FOUND = "未找到该热点，或您无权查看";

const TREND_LABELS: Record<MonthlyRow["trend"], string> = { new: "新出现", up: "上升", down: "下降", same: "持平" };
const MONTHLY_COLUMNS: Column<MonthlyRow>[] = [
  { header: "月份", width: 10, value: (r) => r.month },
  { header: "社区", width: 14, value: (r) => r.community },
  { header: "事项编码", width: 10, value: (r) => r.matterCode },
  { header: "事项", width: 18, value: (r) => r.matter },
  { header: "件数", width: 8, value: (r) => r.count },
  { header: "上月件数", width: 10, value: (r) => r.previousCount },
  { header: "趋势", width: 8, value: (r) => TREND_LABELS[r.trend] },
  { header: "已评价", width: 8, value: (r) => r.evaluated },
  { header: "满意率", width: 8, value: (r) => (r.satisfactionRate === null ? "" : `${Math.round(r.satisfactionRate * 1000) / 10}%`) },
];

export function hotspotRoutes(services: Services): Router {
  const { db } = services;
  const router = new Router({ prefix: "/api/hotspots" });
  router.use(requirePrincipal(db, services.clock));
  // A worker's page: units handle cases, they do not watch areas.
  router.use(async (ctx, next) => {
    if ((ctx.state.principal as Principal).role === "unit") throw AuthorizationError("承办单位不能查看热点");
    await next();
  });

  router.get("/", async (ctx) => {
    const q = parseInput(hotspotListSchema, ctx.query);
    ctx.body = { hotspots: await listHotspots(db, ctx.state.principal as Principal, q) };
  });

  async function monthly(ctx: Koa.Context) {
    const q = parseInput(monthlySchema, ctx.query);
    const settings = await services.settings.current();
    return monthlyProblems(db, ctx.state.principal as Principal, { months: q.months, now: services.clock(), basicWeight: settings.basicSatisfactionWeight });
  }
  router.get("/monthly", async (ctx) => {
    ctx.body = { rows: await monthly(ctx), trendLabels: TREND_LABELS };
  });
  const exportMonthly = async (ctx: Koa.Context, format: TableFormat) => sendTable(ctx, { name: "每月一题候选", format, columns: MONTHLY_COLUMNS, rows: await monthly(ctx) });
  router.get("/monthly.csv", (ctx) => exportMonthly(ctx, "csv"));
  router.get("/monthly.xlsx", (ctx) => exportMonthly(ctx, "xlsx"));

  /** The hotspot as a proactive task (未诉先办): a case with no resident, dispatched to the matter's lead unit. */
  router.post("/:id/task", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(taskSchema, ctx.request.body ?? {});
    const p = ctx.state.principal as Principal;
    if (!(await findVisibleHotspot(db, p, id))) throw NotFoundError(NOT_FOUND);
    const now = services.clock();
    await services.replies.fresh(db);
    const kase = await refusedAs409(() =>
      taskFromHotspot({ db, cases: services.cases, calendar: services.cases.calendar, listVersionId: services.reference.listVersionId }, id, { text: body.text, actor: actorOf(p), actorId: p.actorId, now }),
    );
    await services.dispatcher.flush(now);
    ctx.status = 201;
    ctx.body = { number: kase.number, status: kase.status, statusLabel: STATUS_LABELS[kase.status as CaseStatus] };
  });

  router.post("/:id/dismiss", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    if (!(await findVisibleHotspot(db, ctx.state.principal as Principal, id))) throw NotFoundError(NOT_FOUND);
    const h = await refusedAs409(() => dismissHotspot(db, id));
    ctx.body = { id: h.id, status: h.status };
  });

  return router;
}

async function refusedAs409<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof TransitionError) throw new AppError(err.code, 409, err.message);
    throw err;
  }
}
