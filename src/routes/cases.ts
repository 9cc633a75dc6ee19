// Cases for other systems and units: read one, act on it. Units see and act only on cases they handle.
import Router from "@koa/router";
import type Koa from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { actorOf, allowedActions, CASE_NOT_FOUND, findVisibleCase, refuseAction, UNIT_ACTIONS, visibleCases as visible } from "../cases/access.ts";
import { listWhere } from "../cases/queries.ts";
import { AppError, NotFoundError } from "../errors.ts";
import { ACTOR_LABELS, TransitionError, type Actor, type CaseAction } from "../domain/caseMachine.ts";
import { CASE_NUMBER_EXACT, CASE_STATUSES, isOverdue, OPEN_STATUSES, WORKING_STATUSES, SATISFACTION_LABELS, STATUS_LABELS, URGENCY_LABELS, type CaseStatus, type Urgency } from "../domain/case.ts";
import { NeighbourIndex } from "../classify/neighbours.ts";
import { sendTable, type Column, type TableFormat } from "../http/tables.ts";
import { sendAttachment } from "./media.ts";
import type { AttachmentRow } from "../media/service.ts";

const WORKER_ACTIONS = [...UNIT_ACTIONS, "confirm", "dispatch", "reassign", "close", "reopen", "merge", "withdraw", "reject", "transcribe"] as const;

export const actionSchema = z.object({
  action: z.enum(WORKER_ACTIONS),
  /** The result for resolve; the reason for return, reopen, reject; the text of a note. */
  text: z.string().trim().max(2000).optional(),
  public: z.boolean().optional().default(false),
  mergeInto: z.string().regex(CASE_NUMBER_EXACT).optional(),
  /** For confirm: the right matter's code, when the bot's was wrong. */
  matterCode: z.string().trim().min(1).max(50).optional(),
  /** For confirm: a lead unit other than the matter's; for reassign: the new lead unit. */
  leadUnitId: z.number().int().positive().optional(),
});

export const listSchema = z.object({
  /** review: the review queue (待人工确认 and 已退单, least confident first). */
  view: z.enum(["all", "review", "open"]).default("all"),
  status: z.enum(CASE_STATUSES).optional(),
  gridId: z.coerce.number().int().positive().optional(),
  unitId: z.coerce.number().int().positive().optional(),
  matter: z.string().trim().max(50).optional(),
  overdue: z.enum(["true", "false"]).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  /** Words to find in the appeal, its place, its result or its number; all must match. */
  q: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
const numberParam = z.object({ number: z.string().regex(CASE_NUMBER_EXACT, "工单号格式应为 2026-000123") });

export function caseRoutes(services: Services): Router {
  const { db, cases } = services;
  const router = new Router({ prefix: "/api/cases" });
  router.use(requirePrincipal(db, services.clock));

  router.get("/", async (ctx) => {
    const q = parseInput(listSchema, ctx.query);
    const p = ctx.state.principal as Principal;
    const now = services.clock();
    const where = listWhere(q, p, now);
    const review = q.view === "review";
    const [total, rows] = await Promise.all([
      db.case.count({ where }),
      db.case.findMany({
        where,
        // The review queue: what the bot was least sure of first, then the oldest.
        orderBy: review ? [{ classConfidence: "asc" }, { id: "asc" }] : { id: "desc" },
        skip: (q.page - 1) * q.pageSize,
        take: q.pageSize,
        include: { matter: true, leadUnit: true, grid: true, ...(review ? { events: { where: { type: "opened" }, take: 1 } } : {}) },
      }),
    ]);
    const names = review ? await matterNames(rows.flatMap((k) => alternativesOf(k.events).map((a) => a.code))) : new Map<string, string>();
    ctx.body = {
      total,
      page: q.page,
      pageSize: q.pageSize,
      // Whether a confirmation also dispatches (the autoDispatch setting), so the page can say what a click does.
      ...(review ? { confirmDispatches: (await services.settings.current()).autoDispatch } : {}),
      cases: rows.map((k) => ({
        number: k.number,
        status: k.status,
        statusLabel: STATUS_LABELS[k.status as CaseStatus],
        text: k.text.length > 300 ? k.text.slice(0, 300) + "…" : k.text,
        location: k.location,
        matter: k.matter ? { code: k.matter.code, name: k.matter.name } : null,
        leadUnit: k.leadUnit?.name ?? null,
        grid: k.grid?.name ?? null,
        urgency: k.urgency,
        responseDueAt: k.responseDueAt,
        resolveDueAt: k.resolveDueAt,
        respondedAt: k.respondedAt,
        escalationLevel: k.escalationLevel,
        // Being worked on (its limits count down), and past them: the server's one meaning of each.
        working: WORKING_STATUSES.includes(k.status as CaseStatus),
        overdue: isOverdue(k, now),
        createdAt: k.createdAt,
        ...(review
          ? {
              classification: {
                source: k.classSource,
                confidence: k.classConfidence,
                rationale: k.classRationale,
                alternatives: alternativesOf(k.events).map((a) => ({ ...a, name: names.get(a.code) ?? a.code })),
              },
            }
          : {}),
      })),
    };
  });

  /** Names of matters by code, for showing the bot's alternatives. */
  async function matterNames(codes: string[]) {
    const rows = codes.length ? await db.matter.findMany({ where: { code: { in: [...new Set(codes)] } }, select: { code: true, name: true } }) : [];
    return new Map(rows.map((m) => [m.code, m.name]));
  }

  // The cases this principal may see, filtered like the list, for a spreadsheet.
  async function exportCases(ctx: Koa.Context, format: TableFormat) {
    const q = parseInput(listSchema.omit({ page: true, pageSize: true }), ctx.query);
    const rows = await db.case.findMany({
      where: listWhere(q, ctx.state.principal as Principal, services.clock()),
      orderBy: { id: "asc" },
      take: 50_000,
      include: { matter: true, leadUnit: true, grid: true },
    });
    type Row = (typeof rows)[number];
    const columns: Column<Row>[] = [
      { header: "工单号", value: (k) => k.number, width: 13 },
      { header: "状态", value: (k) => STATUS_LABELS[k.status as CaseStatus] },
      { header: "事项", value: (k) => k.matter?.name, width: 16 },
      { header: "主责单位", value: (k) => k.leadUnit?.name, width: 22 },
      { header: "网格", value: (k) => k.grid?.name, width: 16 },
      { header: "诉求", value: (k) => k.text, width: 60 },
      { header: "地点", value: (k) => k.location, width: 20 },
      { header: "紧急程度", value: (k) => URGENCY_LABELS[k.urgency as Urgency] ?? k.urgency },
      { header: "受理时间", value: (k) => k.createdAt, width: 17 },
      { header: "响应时限", value: (k) => k.responseDueAt, width: 17 },
      { header: "签收时间", value: (k) => k.respondedAt, width: 17 },
      { header: "办结时限", value: (k) => k.resolveDueAt, width: 17 },
      { header: "办结时间", value: (k) => k.resolvedAt, width: 17 },
      { header: "办理结果", value: (k) => k.resolution, width: 40 },
      { header: "督办级别", value: (k) => k.escalationLevel },
      { header: "满意度", value: (k) => (k.satisfaction ? SATISFACTION_LABELS[k.satisfaction] ?? k.satisfaction : "") },
      { header: "重办次数", value: (k) => k.reworkCount },
    ];
    await sendTable(ctx, { name: "工单", format, columns, rows });
  }
  router.get("/export.csv", (ctx) => exportCases(ctx, "csv"));
  router.get("/export.xlsx", (ctx) => exportCases(ctx, "xlsx"));

  /** The case, if this principal may see it; others' cases are answered exactly as missing ones. */
  async function load(number: string, p: Principal) {
    const kase = await findVisibleCase(db, number, p, {
      matter: true,
      leadUnit: true,
      cooperatingUnits: { include: { unit: true } },
      events: { orderBy: { id: "asc" } },
      grid: true,
      building: true,
      messages: { orderBy: { id: "asc" }, select: { text: true, kind: true, receivedAt: true } },
      attachments: { where: { status: { not: "deleted" } }, orderBy: { id: "asc" } },
      outbox: { orderBy: { id: "asc" }, select: { text: true, kind: true, status: true, via: true, lastError: true, createdAt: true, sentAt: true } },
    });
    if (!kase) throw NotFoundError(CASE_NOT_FOUND);
    return kase;
  }

  router.get("/:number", async (ctx) => {
    const { number } = parseInput(numberParam, ctx.params);
    const p = ctx.state.principal as Principal;
    const k = await load(number, p);
    const names = await matterNames(alternativesOf(k.events).map((a) => a.code));
    const classification = classificationOf(k);
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
      working: WORKING_STATUSES.includes(k.status as CaseStatus),
      overdue: isOverdue(k, services.clock()),
      satisfaction: k.satisfaction,
      reworkCount: k.reworkCount,
      createdAt: k.createdAt,
      // What this viewer may do now (the console's buttons); the action route checks again.
      allowedActions: allowedActions(p, k),
      classification: { ...classification, alternatives: classification.alternatives.map((a) => ({ ...a, name: names.get(a.code) ?? a.code })) },
      // Internal notes are for the people working the case, which includes the unit.
      events: k.events.map((e) => ({ type: e.type, actor: e.actor, actorLabel: ACTOR_LABELS[e.actor as Actor] ?? e.actor, fromStatus: e.fromStatus, toStatus: e.toStatus, note: e.note, at: e.createdAt })),
      // Every message about the case: the resident's, and what the service sent to whom (by role, never by address).
      // Photos, voice messages and location pins, each readable only through this case.
      attachments: k.attachments.map((a) => presentAttachment(k.number, a)),
      messages: [
        ...k.messages.map((m) => ({ direction: "in" as const, party: "居民", text: m.text || KIND_WORDS[m.kind] || "", kind: m.kind, at: m.receivedAt, status: "received" })),
        ...k.outbox.map((o) => ({
          direction: "out" as const,
          party: audienceOf(o.kind),
          text: o.text,
          at: o.sentAt ?? o.createdAt,
          status: o.status,
          // 客服消息, 订阅通知, the callback's passive reply …; and why it could not be delivered.
          via: o.via,
          ...(o.status === "undeliverable" ? { reason: o.lastError } : {}),
        })),
      ].sort((a, b) => a.at.getTime() - b.at.getTime()),
    };
  });

  const attachmentParams = z.object({ number: numberParam.shape.number, id: z.coerce.number().int().positive() });
  const variant = z.object({ variant: z.enum(["original", "mp3"]).default("original") });
  /** A photo or voice message of the case, for whoever may see the case. */
  router.get("/:number/attachments/:id", async (ctx) => {
    const { number, id } = parseInput(attachmentParams, ctx.params);
    const k = await load(number, ctx.state.principal as Principal);
    const a = k.attachments.find((x) => x.id === id);
    if (!a || a.kind === "location") throw NotFoundError("文件不存在或已删除");
    await sendAttachment(ctx, services.media.files, a, parseInput(variant, ctx.query).variant);
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
    await services.replies.fresh(db);
    const actor = actorOf(p);
    const actorId = p.actorId;
    const refused = await refuseAction(db, p, kase, body.action, { mergeInto: body.mergeInto });
    if (refused) throw refused.status === 404 ? NotFoundError(refused.message) : new AppError("forbidden", 403, refused.message);
    try {
      if (body.action === "note") {
        if (!body.text) throw new TransitionError("备注内容不能为空", "reason_required");
        await cases.addNote(kase.id, { actor, actorId, text: body.text, isPublic: body.public, now });
      } else {
        await cases.act(kase.id, { action: body.action as CaseAction, actor, actorId, reason: body.text, mergeInto: body.mergeInto, matterCode: body.matterCode, leadUnitId: body.leadUnitId, now });
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
function classificationOf(k: { classSource: string; classConfidence: number; classRationale: string; classModel: string | null; promptVersionId: number | null; listVersionId: number | null; events: { type: string; data: unknown }[] }) {
  const opened = openedData(k.events);
  return {
    source: k.classSource,
    confidence: k.classConfidence,
    rationale: k.classRationale,
    model: k.classModel,
    /** Which prompt version (LLM answers) and which version of the list the case was classified under. */
    promptVersionId: k.promptVersionId,
    listVersionId: k.listVersionId,
    alternatives: alternativesOf(k.events),
    fallbackReason: opened?.classification?.fallbackReason ?? null,
    usage: opened?.classification?.usage ?? null,
  };
}

type OpenedData = { classification?: { alternatives?: { code: string; score: number }[]; fallbackReason?: string; usage?: unknown } } | undefined;
const openedData = (events: { type: string; data: unknown }[]) => events.find((e) => e.type === "opened")?.data as OpenedData;
const alternativesOf = (events: { type: string; data: unknown }[] = []) => openedData(events)?.classification?.alternatives ?? [];

/** How a message without words reads in the timeline. */
const KIND_WORDS: Record<string, string> = { image: "［照片］", voice: "［语音］", location: "［位置］", unsupported: "［暂不支持的消息］", event: "［事件］" };

/** An attachment as the API shows it: where to read it (through the case), and what it is. */
export function presentAttachment(number: string, a: AttachmentRow) {
  const base = { id: a.id, kind: a.kind, status: a.status, createdAt: a.createdAt };
  const url = `/api/cases/${number}/attachments/${a.id}`;
  if (a.kind === "location") {
    const label = a.label ?? "";
    return {
      ...base,
      latitude: a.latitude,
      longitude: a.longitude,
      label: a.label,
      // WeChat's coordinates are GCJ-02, which 高德 takes as they are.
      mapUrl: a.latitude !== null && a.longitude !== null ? `https://uri.amap.com/marker?position=${a.longitude},${a.latitude}&name=${encodeURIComponent(label || "居民位置")}&coordinate=gaode&callnative=0` : null,
    };
  }
  if (a.kind === "voice") {
    return { ...base, mime: a.mime, size: a.size, url: a.status === "stored" ? url : null, playableUrl: a.playablePath ? `${url}?variant=mp3` : null, recognition: a.recognition, recognitionSource: a.recognitionSource };
  }
  return { ...base, mime: a.mime, size: a.size, url: a.status === "stored" ? url : null };
}

/** Who an outgoing message was for, from its kind. */
function audienceOf(kind: string): string {
  if (kind.startsWith("unit_") || kind === "chase") return "承办单位";
  if (kind === "escalation") return "督办";
  if (kind === "returned" || kind === "emergency_alert") return "网格";
  return "居民";
}
