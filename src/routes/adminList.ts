// Administrators keep the responsibility list: search and edit matters, import a CSV/XLSX file with a preview of
// what it changes, export the list, and read its history. Every change is a ListVersion with who and why, and the
// running service switches to it at once (other processes within seconds, see ReferenceData.fresh).
import Router from "@koa/router";
import type { Context } from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { MATTER_UNITS, matterInfo } from "../classify/catalogue.ts";
import { parseInput } from "../http/middleware.ts";
import { AppError, NotFoundError, ValidationError } from "../errors.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { sendTable, type Column } from "../http/tables.ts";
import { LIST_LIMITS, ListFileRefused, ListImportError, readMatterFile, type RowProblem } from "../responsibility/parse.ts";
import {
  applyImport, FIELD_LABELS, ListConflict, loadList, previewImport, restoreVersion, saveMatter, type ListChanges, type MatterField, type MatterState,
  type SnapshotMatter,
} from "../responsibility/versions.ts";
import { isRowId, rowIdValue } from "../http/ids.ts";

/** A file of a few MB at most (LIST_LIMITS); the body parser allows these routes 8 MB, base64 included. */
const MAX_FILE_BYTES = LIST_LIMITS.fileBytes;

export const adminMatterQuery = z.object({
  /** Words in the code, name, category, keywords or units; all must match. */
  q: z.string().trim().max(50).optional(),
  status: z.enum(["active", "inactive", "all"]).default("active"),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

const reason = z.string({ error: "请填写修改原因" }).trim().min(2, "请填写修改原因（至少 2 个字）").max(500);
const words = (max: number) => z.array(z.string().trim().min(1).max(200)).max(max);
const matterFields = z.object({
  name: z.string().trim().min(1, "事项名称必填").max(100),
  category: z.string().trim().max(100),
  description: z.string().trim().max(2000),
  keywords: words(100),
  examples: words(50),
  needsLocation: z.boolean(),
  volunteerClaimable: z.boolean(),
  leadUnitId: rowIdValue.nullable(),
  /** A role of the territorial list (属地) instead of a fixed unit: give one of leadUnitId and leadRoleId. */
  leadRoleId: rowIdValue.nullable(),
  cooperatingUnitIds: z.array(rowIdValue).max(30),
  cooperatingRoleIds: z.array(rowIdValue).max(30),
  responseHours: z.number().int("响应时限须为整数小时").positive().max(24 * 365),
  resolveDays: z.number().int("办结时限须为整数天").positive().max(365),
  active: z.boolean(),
});
const oneLead = (m: { leadUnitId?: number | null; leadRoleId?: number | null }, ctx: z.RefinementCtx) => {
  if (m.leadUnitId && m.leadRoleId) ctx.addIssue({ code: "custom", path: ["leadRoleId"], message: "主责单位和主责角色只能选一个" });
};
export const matterUpdateSchema = matterFields.partial().extend({ reason }).superRefine(oneLead);
export const matterCreateSchema = matterFields
  .partial()
  .required({ name: true, responseHours: true, resolveDays: true })
  .extend({ code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, "编码为 1–32 位字母、数字、_ 或 -"), reason })
  .superRefine((m, ctx) => {
    oneLead(m, ctx);
    if (!m.leadUnitId && !m.leadRoleId) ctx.addIssue({ code: "custom", path: ["leadUnitId"], message: "请选择主责单位或主责角色" });
  });

export const listFileSchema = z.object({
  fileName: z.string().trim().max(200).regex(/\.(csv|xlsx)$/i, "请选择 .csv 或 .xlsx 文件"),
  /** The file's bytes, base64. */
  content: z.base64("文件内容须为 base64").max(Math.ceil(MAX_FILE_BYTES / 3) * 4, "文件不能超过 5 MB"),
  /** replace: the file is the whole list (matters not in it are deactivated); merge: add and update only. */
  mode: z.enum(["replace", "merge"]).default("replace"),
  /** Refuse units that are not in the database yet instead of creating them. */
  strictUnits: z.boolean().default(false),
});
export const listApplySchema = listFileSchema.extend({
  reason,
  /** The version the preview was made against (its baseVersionId): refused with 409 when the list changed since. */
  baseVersionId: rowIdValue.nullable().optional(),
});
export const restoreSchema = z.object({ reason });
export const versionQuery = z.object({ page: z.coerce.number().int().min(1).default(1) });

type MatterWithUnits = Awaited<ReturnType<typeof loadMatters>>[number];
const loadMatters = (services: Services) =>
  services.db.matter.findMany({ orderBy: { code: "asc" }, include: MATTER_UNITS });

const presentMatter = (m: MatterWithUnits) => {
  const { id: _id, ...info } = matterInfo(m);
  return { ...info, volunteerClaimable: m.volunteerClaimable, active: m.active, updatedAt: m.updatedAt };
};

/** A field's value as a person reads it in the preview. */
function shown(field: MatterField, value: MatterState[MatterField]): string {
  if (Array.isArray(value)) return value.join("、") || "（无）";
  if (typeof value === "boolean") return value ? "是" : "否";
  if (value === null || value === "") return "（无）";
  if (field === "responseHours") return `${value} 小时`;
  if (field === "resolveDays") return `${value} 个工作日`;
  return String(value);
}

/** The first problems (a file can have thousands) and how many there are in all. */
export const problemsOut = (problems: RowProblem[]) => ({
  errors: problems.slice(0, LIST_LIMITS.shownProblems).map((p) => ({ row: p.line, field: p.field ?? null, message: p.message })),
  errorCount: problems.length,
});

export function adminListRoutes(services: Services): Router {
  const { db, log } = services;
  const router = new Router({ prefix: "/api/admin" });
  router.use(requireUser(db, ["admin"], services.clock));
  const author = (ctx: Context) => {
    const u = ctx.state.user as SessionUser;
    return { id: u.id, name: u.displayName };
  };
  const fileOf = async (body: z.infer<typeof listFileSchema>) => {
    const bytes = Buffer.from(body.content, "base64");
    if (!bytes.length) throw ValidationError("文件是空的", { field: "content" });
    try {
      // In a worker thread: residents' messages are answered while a large file is read.
      return await readMatterFile(body.fileName, bytes);
    } catch (err) {
      if (err instanceof ListFileRefused) throw new AppError(err.id, 422, err.message, { field: "content" });
      throw err;
    }
  };
  /** Unit ids from the API → names as the list keeps them; an unknown id is a 400. */
  const unitNames = async (ids: number[]) => {
    const units = await db.unit.findMany({ where: { id: { in: ids } } });
    const byId = new Map(units.map((u) => [u.id, u.name]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw ValidationError(`单位 ${missing.join("、")} 不存在`, { field: "leadUnitId" });
    return ids.map((id) => byId.get(id)!);
  };
  /** Role ids → names, as the list keeps them (a role's name is never a unit's); an unknown id is a 400. */
  const roleNames = async (ids: number[], field: string) => {
    const roles = await db.role.findMany({ where: { id: { in: ids } } });
    const byId = new Map(roles.map((r) => [r.id, r.name]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw ValidationError(`角色 ${missing.join("、")} 不存在`, { field });
    return ids.map((id) => byId.get(id)!);
  };
  const toPatch = async (body: Partial<z.infer<typeof matterFields>>, code: string): Promise<Partial<Omit<MatterState, "code">>> => {
    const { leadUnitId, leadRoleId, cooperatingUnitIds, cooperatingRoleIds, ...rest } = body;
    const lead = leadRoleId ? (await roleNames([leadRoleId], "leadRoleId"))[0] : leadUnitId ? (await unitNames([leadUnitId]))[0] : leadUnitId === null || leadRoleId === null ? null : undefined;
    // Units and roles are one list of names: the kind not sent keeps what the matter has.
    const current = cooperatingUnitIds === undefined || cooperatingRoleIds === undefined ? await db.matter.findUnique({ where: { code }, include: MATTER_UNITS }) : null;
    const cooperating =
      cooperatingUnitIds === undefined && cooperatingRoleIds === undefined
        ? undefined
        : [
            ...(cooperatingUnitIds !== undefined ? await unitNames(cooperatingUnitIds) : (current?.cooperatingUnits ?? []).map((c) => c.unit.name)),
            ...(cooperatingRoleIds !== undefined ? await roleNames(cooperatingRoleIds, "cooperatingRoleIds") : (current?.cooperatingRoles ?? []).map((c) => c.role.name)),
          ];
    return { ...rest, ...(lead !== undefined ? { leadUnit: lead } : {}), ...(cooperating ? { cooperatingUnits: cooperating } : {}) };
  };
  const saved = async (ctx: Context, code: string, result: Awaited<ReturnType<typeof saveMatter>>) => {
    if (result.versionId !== null) await services.reference.reload();
    log.info({ by: author(ctx).id, code, versionId: result.versionId, fields: result.fields }, result.created ? "matter added" : "matter changed");
    const matter = (await loadMatters(services)).find((m) => m.code === code)!;
    ctx.body = { matter: presentMatter(matter), versionId: result.versionId, fields: result.fields };
  };
  const conflicts = (err: unknown): never => {
    if (err instanceof ListConflict) throw err.kind === "not_found" ? NotFoundError(err.message) : new AppError("conflict", 409, err.message);
    throw err;
  };

  router.get("/matters", async (ctx) => {
    const q = parseInput(adminMatterQuery, ctx.query);
    const terms = (q.q ?? "").toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
    const all = await loadMatters(services);
    const found = all.filter((m) => {
      if (q.status !== "all" && m.active !== (q.status === "active")) return false;
      const hay = [m.code, m.name, m.category, m.leadUnit?.name ?? m.leadRole?.name ?? "", ...m.cooperatingUnits.map((c) => c.unit.name), ...m.cooperatingRoles.map((c) => c.role.name), ...(m.keywords as string[])].join(" ").toLowerCase();
      return terms.every((t) => hay.includes(t));
    });
    const latest = await db.listVersion.findFirst({ orderBy: { id: "desc" }, select: { id: true, createdAt: true, authorName: true } });
    ctx.body = {
      total: found.length,
      page: q.page,
      pageSize: q.pageSize,
      counts: { active: all.filter((m) => m.active).length, inactive: all.filter((m) => !m.active).length },
      version: latest,
      matters: found.slice((q.page - 1) * q.pageSize, q.page * q.pageSize).map(presentMatter),
    };
  });

  router.put("/matters/:code", async (ctx) => {
    const code = String(ctx.params.code);
    const body = parseInput(matterUpdateSchema, ctx.request.body);
    const { reason: why, ...fields } = body;
    const result = await saveMatter(db, { code, create: false, patch: await toPatch(fields, code), author: author(ctx), reason: why, now: services.clock() }).catch(conflicts);
    await saved(ctx, code, result);
  });

  router.post("/matters", async (ctx) => {
    const body = parseInput(matterCreateSchema, ctx.request.body);
    const { reason: why, code, ...fields } = body;
    const result = await saveMatter(db, { code, create: true, patch: await toPatch(fields, code), author: author(ctx), reason: why, now: services.clock() }).catch(conflicts);
    ctx.status = 201;
    await saved(ctx, code, result);
  });

  /** What a file would change: nothing is written. */
  router.post("/list/preview", async (ctx) => {
    const body = parseInput(listFileSchema, ctx.request.body);
    const table = await fileOf(body);
    const plan = await previewImport(db, table, { mode: body.mode, complete: true, strictUnits: body.strictUnits });
    const current = plan.current;
    const targets = new Map(plan.targets.map((m) => [m.code, m]));
    ctx.body = {
      fileName: body.fileName,
      mode: body.mode,
      baseVersionId: plan.baseVersionId,
      added: plan.changes.added.map((code) => ({ code, name: targets.get(code)!.name, leadUnit: targets.get(code)!.leadUnit })),
      changed: plan.changes.changed.map(({ code, fields }) => ({
        code,
        name: targets.get(code)!.name,
        fields: fields.map((f) => ({ field: f, label: FIELD_LABELS[f], before: shown(f, current.get(code)![f]), after: shown(f, targets.get(code)![f]) })),
      })),
      removed: plan.changes.removed.map((code) => ({ code, name: current.get(code)!.name })),
      unchanged: plan.unchanged,
      newUnits: plan.newUnits,
      ...problemsOut(plan.problems),
    };
  });

  /** Applies a file as a new version, or refuses it whole (422 with the first 100 problems and their count). */
  router.post("/list/apply", async (ctx) => {
    const body = parseInput(listApplySchema, ctx.request.body);
    const table = await fileOf(body);
    let result;
    try {
      result = await applyImport(db, table, {
        mode: body.mode, complete: true, strictUnits: body.strictUnits, author: author(ctx), reason: body.reason, source: "import", now: services.clock(), baseVersionId: body.baseVersionId,
      });
    } catch (err) {
      if (err instanceof ListImportError) {
        throw new AppError("list_invalid", 422, `清单有 ${err.problems.length} 处问题，未写入任何数据`, problemsOut(err.problems));
      }
      throw conflicts(err);
    }
    if (result.versionId !== null) await services.reference.reload();
    const counts = { added: result.changes.added.length, changed: result.changes.changed.length, removed: result.changes.removed.length };
    log.info({ by: author(ctx).id, versionId: result.versionId, mode: body.mode, ...counts, newUnits: result.newUnits.length }, "list imported");
    ctx.body = { versionId: result.versionId, ...counts, unchanged: result.unchanged, newUnits: result.newUnits };
  });

  const columns: Column<SnapshotMatter>[] = [
    { header: "编码", value: (m) => m.code, width: 12 },
    { header: "事项名称", value: (m) => m.name, width: 24 },
    { header: "类别", value: (m) => m.category, width: 14 },
    { header: "说明", value: (m) => m.description, width: 36 },
    { header: "关键词", value: (m) => m.keywords.join("、"), width: 36 },
    { header: "主责单位", value: (m) => m.leadUnit, width: 24 },
    { header: "配合单位", value: (m) => m.cooperatingUnits.join("、"), width: 30 },
    { header: "响应时限", value: (m) => m.responseHours, width: 10 },
    { header: "办结时限", value: (m) => m.resolveDays, width: 10 },
    { header: "示例诉求", value: (m) => m.examples.join("|"), width: 50 },
    { header: "需定位", value: (m) => (m.needsLocation ? "是" : "否"), width: 8 },
    { header: "志愿者可认领", value: (m) => (m.volunteerClaimable ? "是" : "否"), width: 12 },
  ];
  const exportList = (format: "csv" | "xlsx") => async (ctx: Context) => {
    const list = [...(await loadList(db)).values()].filter((m) => m.active);
    log.info({ by: author(ctx).id, format, matters: list.length }, "list exported");
    // The same columns the import reads: an exported file imports back unchanged.
    await sendTable(ctx, { name: "职责清单", format, columns, rows: list });
  };
  router.get("/list/export.xlsx", exportList("xlsx"));
  router.get("/list/export.csv", exportList("csv"));

  const counts = (c: ListChanges) => ({ added: c.added.length, changed: c.changed.length, removed: c.removed.length });
  router.get("/list/versions", async (ctx) => {
    const q = parseInput(versionQuery, ctx.query);
    const pageSize = 20;
    const [total, versions] = await Promise.all([
      db.listVersion.count(),
      db.listVersion.findMany({ orderBy: { id: "desc" }, skip: (q.page - 1) * pageSize, take: pageSize, select: { id: true, authorName: true, reason: true, source: true, changes: true, createdAt: true } }),
    ]);
    ctx.body = {
      total,
      page: q.page,
      pageSize,
      versions: versions.map(({ changes, ...v }) => ({ ...v, counts: counts(changes as unknown as ListChanges) })),
    };
  });

  /** Back to an earlier version of the list, as a new version. */
  router.post("/list/versions/:id/restore", async (ctx) => {
    const id = Number(ctx.params.id);
    const body = parseInput(restoreSchema, ctx.request.body);
    const result = isRowId(id) ? await restoreVersion(db, id, { author: author(ctx), reason: body.reason, now: services.clock() }).catch((err) => { throw conflicts(err); }) : null;
    if (!result) throw NotFoundError("清单版本不存在");
    if (result.versionId !== null) await services.reference.reload();
    log.info({ by: author(ctx).id, restored: id, versionId: result.versionId, ...counts(result.changes) }, "list restored");
    ctx.body = { versionId: result.versionId, ...counts(result.changes) };
  });

  router.get("/list/versions/:id", async (ctx) => {
    const id = Number(ctx.params.id);
    const version = isRowId(id) ? await db.listVersion.findUnique({ where: { id } }) : null;
    if (!version) throw NotFoundError("清单版本不存在");
    const cases = await db.case.count({ where: { listVersionId: id } });
    ctx.body = { ...version, counts: counts(version.changes as unknown as ListChanges), cases };
  });

  return router;
}
