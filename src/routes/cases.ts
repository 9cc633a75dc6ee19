// Cases for other systems and units: read one, act on it. Units see and act only on cases they handle.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, visibleCases as visible, type Principal } from "../http/apiTokens.ts";
import { AppError, NotFoundError } from "../errors.ts";
import { TransitionError, type CaseAction } from "../domain/caseMachine.ts";
import { CASE_STATUSES, OPEN_STATUSES, STATUS_LABELS, type CaseStatus } from "../domain/case.ts";
import { NeighbourIndex } from "../classify/neighbours.ts";
import type { Prisma } from "../db.ts";

const UNIT_ACTIONS = ["accept", "start", "resolve", "return", "note"] as const;
const WORKER_ACTIONS = [...UNIT_ACTIONS, "confirm", "dispatch", "close", "reopen", "merge", "withdraw", "reject"] as const;

export const actionSchema = z.object({
  action: z.enum(WORKER_ACTIONS),
  /** The result for resolve; the reason for return, reopen, reject; the text of a note. */
  text: z.string().trim().max(2000).optional(),
  public: z.boolean().optional().default(false),
  mergeInto: z.string().regex(/^\d{4}-\d{6}$/).optional(),
  /** For confirm: the right matter's code, when the bot's was wrong. */
  matterCode: z.string().trim().min(1).max(50).optional(),
});

const numberParam = z.object({ number: z.string().regex(/^\d{4}-\d{6}$/, "工单号格式应为 2026-000123") });

export function caseRoutes(services: Services): Router {
  const { db, cases } = services;
  const router = new Router({ prefix: "/api/cases" });
  router.use(requirePrincipal(db, services.clock));

  const listSchema = z.object({
    status: z.enum(CASE_STATUSES).optional(),
    overdue: z.enum(["true", "false"]).optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  });

  router.get("/", async (ctx) => {
    const q = parseInput(listSchema, ctx.query);
    const where: Prisma.CaseWhereInput = {
      AND: [visible(ctx.state.principal as Principal), q.status ? { status: q.status } : {}, q.overdue ? (q.overdue === "true" ? { escalationLevel: { gt: 0 } } : { escalationLevel: 0 }) : {}],
    };
    const [total, rows] = await Promise.all([
      db.case.count({ where }),
      db.case.findMany({ where, orderBy: { id: "desc" }, skip: (q.page - 1) * q.pageSize, take: q.pageSize, include: { matter: true, leadUnit: true, grid: true } }),
    ]);
    ctx.body = {
      total,
      page: q.page,
      cases: rows.map((k) => ({ number: k.number, status: k.status, statusLabel: STATUS_LABELS[k.status as CaseStatus], matter: k.matter?.name ?? null, leadUnit: k.leadUnit?.name ?? null, grid: k.grid?.name ?? null, urgency: k.urgency, resolveDueAt: k.resolveDueAt, escalationLevel: k.escalationLevel, createdAt: k.createdAt })),
    };
  });

  // The cases this principal may see, as CSV for a spreadsheet (with a BOM so Excel reads it as UTF-8).
  router.get("/export.csv", async (ctx) => {
    const q = parseInput(listSchema.omit({ page: true, pageSize: true }), ctx.query);
    const rows = await db.case.findMany({
      where: { AND: [visible(ctx.state.principal as Principal), q.status ? { status: q.status } : {}] },
      orderBy: { id: "asc" },
      take: 50_000,
      include: { matter: true, leadUnit: true, grid: true },
    });
    const cell = (v: unknown) => {
      const t = v instanceof Date ? v.toISOString() : v === null || v === undefined ? "" : String(v);
      return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
    };
    const header = ["工单号", "状态", "事项", "主责单位", "网格", "诉求", "紧急程度", "受理时间", "响应时限", "签收时间", "办结时限", "办结时间", "办理结果", "督办级别", "满意度", "重办次数"];
    const lines = rows.map((k) =>
      [k.number, STATUS_LABELS[k.status as CaseStatus], k.matter?.name, k.leadUnit?.name, k.grid?.name, k.text, k.urgency, k.createdAt, k.responseDueAt, k.respondedAt, k.resolveDueAt, k.resolvedAt, k.resolution, k.escalationLevel, k.satisfaction, k.reworkCount]
        .map(cell)
        .join(","),
    );
    ctx.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent("工单.csv")}`);
    ctx.type = "text/csv; charset=utf-8";
    ctx.body = "\uFEFF" + [header.join(","), ...lines].join("\r\n") + "\r\n";
  });

  /** The case, if this principal may see it; others' cases are answered as not found. */
  async function load(number: string, p: Principal) {
    const kase = await db.case.findUnique({
      where: { number },
      include: { matter: true, leadUnit: true, cooperatingUnits: { include: { unit: true } }, events: { orderBy: { id: "asc" } }, grid: true, building: true },
    });
    if (!kase || !(await db.case.count({ where: { AND: [{ id: kase.id }, visible(p)] } }))) throw NotFoundError("工单不存在");
    return kase;
  }

  router.get("/:number", async (ctx) => {
    const { number } = parseInput(numberParam, ctx.params);
    const p = ctx.state.principal as Principal;
    const k = await load(number, p);
    ctx.body = {
      number: k.number,
      status: k.status,
      statusLabel: STATUS_LABELS[k.status as CaseStatus],
      urgency: k.urgency,
      text: k.text,
      location: k.location,
      grid: k.grid?.name ?? null,
      building: k.building?.name ?? null,
      matter: k.matter ? { code: k.matter.code, name: k.matter.name } : null,
      leadUnit: k.leadUnit?.name ?? null,
      cooperatingUnits: k.cooperatingUnits.map((c) => c.unit.name),
      responseDueAt: k.responseDueAt,
      resolveDueAt: k.resolveDueAt,
      respondedAt: k.respondedAt,
      resolvedAt: k.resolvedAt,
      resolution: k.resolution,
      escalationLevel: k.escalationLevel,
      satisfaction: k.satisfaction,
      reworkCount: k.reworkCount,
      createdAt: k.createdAt,
      classification: classificationOf(k),
      // Internal notes are for the people working the case, which includes the unit.
      events: k.events.map((e) => ({ type: e.type, actor: e.actor, fromStatus: e.fromStatus, toStatus: e.toStatus, note: e.note, at: e.createdAt })),
    };
  });

  /** Possible duplicates: open cases of the same matter in the same grid from the last 7 days, most alike first. */
  router.get("/:number/duplicates", async (ctx) => {
    const { number } = parseInput(numberParam, ctx.params);
    const p = ctx.state.principal as Principal;
    const k = await load(number, p);
    const since = new Date(k.createdAt.getTime() - 7 * 86400_000);
    const candidates = await db.case.findMany({
      where: {
        AND: [
          visible(p),
          { id: { not: k.id }, matterId: k.matterId ?? -1, status: { in: OPEN_STATUSES }, createdAt: { gte: since } },
          k.buildingId ? { OR: [{ buildingId: k.buildingId }, { gridId: k.gridId }] } : { gridId: k.gridId },
        ],
      },
      take: 200,
      orderBy: { id: "desc" },
    });
    const index = NeighbourIndex.build(candidates.map((c) => ({ text: c.text, label: c.number })));
    const ranked = new Map(index.nearest(k.text, candidates.length, 0).map((n) => [n.label, n.similarity]));
    ctx.body = {
      duplicates: candidates
        .map((c) => ({ number: c.number, status: c.status, text: c.text, createdAt: c.createdAt, sameBuilding: Boolean(k.buildingId && c.buildingId === k.buildingId), similarity: ranked.get(c.number) ?? 0 }))
        .sort((a, b) => b.similarity - a.similarity),
    };
  });

  router.post("/:number/actions", async (ctx) => {
    const { number } = parseInput(numberParam, ctx.params);
    const body = parseInput(actionSchema, ctx.request.body);
    const p = ctx.state.principal as Principal;
    const kase = await load(number, p);
    const now = services.clock();
    const actor = p.role === "unit" ? "unit" : "worker";
    const actorId = p.actorId;
    if (p.role === "unit" && !(UNIT_ACTIONS as readonly string[]).includes(body.action)) {
      throw new AppError("forbidden", 403, "承办单位不能执行该操作");
    }
    try {
      if (body.action === "note") {
        if (!body.text) throw new TransitionError("备注内容不能为空", "reason_required");
        await cases.addNote(kase.id, { actor, actorId, text: body.text, isPublic: body.public, now });
      } else {
        if (p.role === "unit" && kase.leadUnitId !== p.unitId) throw new AppError("forbidden", 403, "配合单位只能添加进展或备注");
        await cases.act(kase.id, { action: body.action as CaseAction, actor, actorId, reason: body.text, mergeInto: body.mergeInto, matterCode: body.matterCode, now });
      }
    } catch (err) {
      if (err instanceof TransitionError) {
        throw new AppError(err.code, err.code === "reason_required" ? 400 : 409, err.message);
      }
      throw err;
    }
    await services.dispatcher.flush(now);
    const updated = await db.case.findUniqueOrThrow({ where: { id: kase.id } });
    ctx.body = { number: updated.number, status: updated.status, statusLabel: STATUS_LABELS[updated.status as CaseStatus] };
  });

  return router;
}

/** How the bot classified a case, with the matters it ranked next (for the worker who reviews it). */
function classificationOf(k: { classSource: string; classConfidence: number; classRationale: string; classModel: string | null; events: { type: string; data: unknown }[] }) {
  const opened = k.events.find((e) => e.type === "opened")?.data as { classification?: { alternatives?: { code: string; score: number }[]; fallbackReason?: string; usage?: unknown } } | undefined;
  return {
    source: k.classSource,
    confidence: k.classConfidence,
    rationale: k.classRationale,
    model: k.classModel,
    alternatives: opened?.classification?.alternatives ?? [],
    fallbackReason: opened?.classification?.fallbackReason ?? null,
    usage: opened?.classification?.usage ?? null,
  };
}
