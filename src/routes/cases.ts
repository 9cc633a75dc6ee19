// Cases for other systems and units: read one, act on it. Units see and act only on cases they handle.
import Router from "@koa/router";
import type Koa from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { actorOf, allowedActions, CASE_NOT_FOUND, findVisibleCase, refuseAction, UNIT_ACTIONS } from "../cases/access.ts";
import { caseNumbers, casesForExport, duplicatesOf, listCases, matterNames } from "../cases/queries.ts";
import { alternativesOf, CASE_EXPORT_COLUMNS, caseDetail, caseListItem, unitsShown } from "../cases/presenters.ts";
import { resolveUnits } from "../org/roles.ts";
import { AppError, AuthorizationError, NotFoundError } from "../errors.ts";
import { TransitionError, type CaseAction } from "../domain/caseMachine.ts";
import { CASE_NUMBER_EXACT, CASE_STATUSES, STATUS_LABELS, type CaseStatus } from "../domain/case.ts";
import { sendTable, type TableFormat } from "../http/tables.ts";
import { sendAttachment } from "./media.ts";
import { rowId, rowIdValue } from "../http/ids.ts";

const WORKER_ACTIONS = [...UNIT_ACTIONS, "confirm", "dispatch", "reassign", "close", "reopen", "merge", "withdraw", "reject", "transcribe", "split"] as const;

export const actionSchema = z.object({
  action: z.enum(WORKER_ACTIONS),
  /** The result for resolve; the reason for return, reopen, reject; the text of a note. */
  text: z.string().trim().max(2000).optional(),
  public: z.boolean().optional().default(false),
  mergeInto: z.string().regex(CASE_NUMBER_EXACT).optional(),
  /** For confirm: the right matter's code, when the bot's was wrong. */
  matterCode: z.string().trim().min(1).max(50).optional(),
  /** For confirm: a lead unit other than the matter's; for reassign: the new lead unit. */
  leadUnitId: rowIdValue.optional(),
  /** For split: the joined resident's report (reporters[].id in the detail) that becomes a case of its own. */
  reporterId: rowIdValue.optional(),
});

export const listSchema = z.object({
  /** review: the review queue (待人工确认 and 已退单, least confident first). */
  view: z.enum(["all", "review", "open"]).default("all"),
  status: z.enum(CASE_STATUSES).optional(),
  gridId: rowId.optional(),
  unitId: rowId.optional(),
  matter: z.string().trim().max(50).optional(),
  overdue: z.enum(["true", "false"]).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  /** Words to find in the appeal, its place, its result or its number; all must match. */
  q: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export const unitsPreviewQuery = z.object({ matter: z.string().trim().min(1).max(50) });
const numberParam = z.object({ number: z.string().regex(CASE_NUMBER_EXACT, "工单号格式应为 2026-000123") });

export function caseRoutes(services: Services): Router {
  const { db, cases } = services;
  const router = new Router({ prefix: "/api/cases" });
  router.use(requirePrincipal(db, services.clock));

  router.get("/", async (ctx) => {
    const q = parseInput(listSchema, ctx.query);
    const now = services.clock();
    const { total, rows } = await listCases(db, q, ctx.state.principal as Principal, now);
    const review = q.view === "review" ? { names: await matterNames(db, rows.flatMap((k) => alternativesOf(k.events).map((a) => a.code))) } : null;
    ctx.body = {
      total,
      page: q.page,
      pageSize: q.pageSize,
      // Whether a confirmation also dispatches (the autoDispatch setting), so the page can say what a click does.
      ...(review ? { confirmDispatches: (await services.settings.current()).autoDispatch } : {}),
      cases: rows.map((k) => caseListItem(k, now, review)),
    };
  });

  // The cases this principal may see, filtered like the list, for a spreadsheet.
  async function exportCases(ctx: Koa.Context, format: TableFormat) {
    const q = parseInput(listSchema.omit({ page: true, pageSize: true }), ctx.query);
    const rows = await casesForExport(db, q, ctx.state.principal as Principal, services.clock());
    await sendTable(ctx, { name: "工单", format, columns: CASE_EXPORT_COLUMNS, rows });
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
      reporters: { orderBy: { id: "asc" } },
    });
    if (!kase) throw NotFoundError(CASE_NOT_FOUND);
    return kase;
  }

  router.get("/:number", async (ctx) => {
    const { number } = parseInput(numberParam, ctx.params);
    const p = ctx.state.principal as Principal;
    const k = await load(number, p);
    const names = await matterNames(db, alternativesOf(k.events).map((a) => a.code));
    const splitCases = await caseNumbers(db, k.reporters.map((r) => r.splitCaseId));
    ctx.body = caseDetail(k, services.clock(), { allowedActions: allowedActions(p, k), names, splitCases });
  });

  const attachmentParams = z.object({ number: numberParam.shape.number, id: rowId });
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
    ctx.body = { duplicates: await duplicatesOf(db, k, p) };
  });

  /** Which units a matter would reach at this case's place, and how (the pickers' preview before 更正 or 确认). */
  router.get("/:number/units", async (ctx) => {
    const p = ctx.state.principal as Principal;
    if (p.role === "unit") throw AuthorizationError();
    const { number } = parseInput(numberParam, ctx.params);
    const { matter: code } = parseInput(unitsPreviewQuery, ctx.query);
    const k = await load(number, p);
    const matter = (await services.reference.fresh()).catalogue.byCode.get(code);
    if (!matter) throw NotFoundError(`职责清单中没有事项 ${code}`);
    ctx.body = { matter: { code: matter.code, name: matter.name }, units: unitsShown(await resolveUnits(db, matter, k)) };
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
        await cases.act(kase.id, { action: body.action as CaseAction, actor, actorId, reason: body.text, mergeInto: body.mergeInto, matterCode: body.matterCode, leadUnitId: body.leadUnitId, reporterId: body.reporterId, now });
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
