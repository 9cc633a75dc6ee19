// Administrators keep the community's helpers: the volunteers register (add, change, import from CSV/XLSX refused
// whole with every row's problem), the 党员中心户 and their buildings, which matters volunteers may claim, the
// volunteer tasks (a claim taken by phone is recorded here for the volunteer) and the monthly ranking per grid; a
// household's note or visit told on the phone is recorded here too. Admin sessions only; every change is logged with who.
// A district's or a street's administrator keeps only the volunteers and households of their grids and buildings
// (org/scope.ts); which matters volunteers may claim is the city's list.
import Router from "@koa/router";
import type { Context } from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { AppError, NotFoundError, ValidationError } from "../errors.ts";
import { CASE_NUMBER_EXACT } from "../domain/case.ts";
import { LIST_LIMITS, ListFileRefused, ListImportError } from "../responsibility/limits.ts";
import { problemsOut } from "./adminList.ts";
import { ListConflict, saveMatter } from "../responsibility/versions.ts";
import {
  changeHousehold, changeVolunteer, createHousehold, createVolunteer, householdSchema, householdUpdateSchema, readRegisters, volunteerSchema, volunteerUpdateSchema,
} from "../volunteers/registers.ts";
import { importHouseholds, importVolunteers, readHouseholdFile, readVolunteerFile } from "../volunteers/imports.ts";
import { claimTask } from "../volunteers/tasks.ts";
import { addHouseholdNote } from "../volunteers/households.ts";
import { chinaMonth, monthlyRanking, monthSchema } from "../volunteers/ranking.ts";
import { householdsIn, refuseAreaAdmin, volunteersIn, type Scope } from "../org/scope.ts";
import { visibleCases } from "../cases/access.ts";
import { rowId, rowIdValue } from "../http/ids.ts";

const idParam = z.object({ id: rowId });
const numberParam = z.object({ number: z.string().regex(CASE_NUMBER_EXACT, "工单号形如 2026-000123") });
const codeParam = z.object({ code: z.string().trim().min(1).max(40) });
export const registerFileSchema = z.object({
  fileName: z.string().trim().max(200).regex(/\.(csv|xlsx)$/i, "请选择 .csv 或 .xlsx 文件"),
  /** The file's bytes, base64. */
  content: z.base64("文件内容须为 base64").max(Math.ceil(LIST_LIMITS.fileBytes / 3) * 4, "文件不能超过 5 MB"),
});
export const claimForSchema = z.object({ volunteerId: rowIdValue });
export const householdNoteSchema = z.object({
  number: z.string().regex(CASE_NUMBER_EXACT, "工单号形如 2026-000123"),
  text: z.string().trim().min(1, "请填写内容").max(500),
  visit: z.boolean().default(false),
});
export const claimableSchema = z.object({ volunteerClaimable: z.boolean() });
export const rankingQuery = z.object({ month: monthSchema.optional(), gridId: rowId.optional() });

export function adminVolunteerRoutes(services: Services): Router {
  const { db, log } = services;
  const router = new Router({ prefix: "/api/admin" });
  router.use(requireUser(db, ["admin"], services.clock, { areaAdmins: true }));
  const by = (ctx: { state: { user: SessionUser } }) => ctx.state.user.id;
  const scopeOf = (ctx: { state: { scope?: Scope | null } }) => ctx.state.scope ?? null;
  const tasks = { db, cases: services.cases, runtimeSettings: services.settings };

  /** Both registers, the grids and buildings to choose from, the matters, and the recent tasks. */
  router.get("/volunteers", async (ctx) => {
    const scope = scopeOf(ctx);
    const { volunteers, households, grids } = await readRegisters(db, scope);
    const [matters, recent] = await Promise.all([
      db.matter.findMany({ where: { active: true }, orderBy: { code: "asc" }, select: { code: true, name: true, volunteerClaimable: true } }),
      db.volunteerTask.findMany({ where: { case: visibleCases({ role: "admin", unitId: null, scope }) }, orderBy: { id: "desc" }, take: 50, include: { case: { include: { matter: true } }, volunteer: true } }),
    ]);
    ctx.body = {
      volunteers: volunteers.map((v) => ({ id: v.id, name: v.name, phone: v.phone, sharePhone: v.sharePhone, channel: v.channel, address: v.address, gridId: v.gridId, gridName: v.grid?.name ?? null, kind: v.kind, skills: v.skills, availability: v.availability, partyMember: v.partyMember, active: v.active })),
      households: households.map((h) => ({ id: h.id, name: h.name, phone: h.phone, channel: h.channel, address: h.address, families: h.families, note: h.note, active: h.active, buildings: h.buildings.map((b) => ({ id: b.buildingId, name: b.building.name })) })),
      areas: grids.map((a) => ({ id: a.id, level: a.level, name: a.name, parentId: a.parentId })),
      matters,
      tasks: recent.map((t) => ({ caseNumber: t.case.number, matterName: t.case.matter?.name ?? null, caseStatus: t.case.status, gridId: t.gridId, status: t.status, volunteerId: t.volunteerId, volunteerName: t.volunteer?.name ?? null, offeredAt: t.offeredAt, expiresAt: t.expiresAt, claimedAt: t.claimedAt, doneAt: t.doneAt, hours: t.hours })),
    };
  });

  router.post("/volunteers", async (ctx) => {
    const body = parseInput(volunteerSchema, ctx.request.body);
    const v = await createVolunteer(db, body, scopeOf(ctx));
    log.info({ by: by(ctx), volunteerId: v.id, gridId: v.gridId }, "volunteer added");
    ctx.status = 201;
    ctx.body = { id: v.id };
  });

  router.patch("/volunteers/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(volunteerUpdateSchema, ctx.request.body);
    await changeVolunteer(db, id, body, scopeOf(ctx));
    log.info({ by: by(ctx), volunteerId: id, active: body.active }, "volunteer changed");
    ctx.body = { id };
  });

  /** A register file: written whole, or refused whole (422 with every row's problem, the first 100 shown). */
  const importRoute = <T>(kind: "volunteers" | "households", read: (db: Services["db"], fileName: string, bytes: Buffer, scope: Scope | null) => Promise<T[]>, write: (db: Services["db"], rows: T[], scope: Scope | null) => Promise<{ added: number; changed: number }>) =>
    async (ctx: Context & { state: { user: SessionUser } }) => {
      const body = parseInput(registerFileSchema, ctx.request.body);
      const bytes = Buffer.from(body.content, "base64");
      if (!bytes.length) throw ValidationError("文件是空的", { field: "content" });
      let rows;
      try {
        rows = await read(db, body.fileName, bytes, scopeOf(ctx));
      } catch (err) {
        if (err instanceof ListFileRefused) throw new AppError(err.id, 422, err.message, { field: "content" });
        if (err instanceof ListImportError) {
          throw new AppError(`${kind}_invalid`, 422, `文件有 ${err.problems.length} 处问题，未写入任何数据`, problemsOut(err.problems));
        }
        throw err;
      }
      const result = await write(db, rows, scopeOf(ctx));
      log.info({ by: by(ctx), ...result }, `${kind} imported`);
      ctx.body = result;
    };
  router.post("/volunteers/import", importRoute("volunteers", readVolunteerFile, importVolunteers));
  router.post("/households/import", importRoute("households", readHouseholdFile, importHouseholds));

  /** Per grid, the month's volunteers by hours given (this month unless asked). */
  router.get("/volunteers/ranking", async (ctx) => {
    const q = parseInput(rankingQuery, ctx.query);
    const month = q.month ?? chinaMonth(services.clock());
    ctx.body = { month, grids: await monthlyRanking(db, month, q.gridId, scopeOf(ctx)?.area ? scopeOf(ctx)!.gridIds : undefined) };
  });

  /** 志愿者可认领: whether a matter's appeals are offered to the grid's volunteers first. */
  router.patch("/volunteers/matters/:code", async (ctx) => {
    const { code } = parseInput(codeParam, ctx.params);
    refuseAreaAdmin(scopeOf(ctx));
    const body = parseInput(claimableSchema, ctx.request.body);
    // A change of the list like any other: a version with who and why, so a restore or an import knows of it.
    const author = { id: ctx.state.user.id, name: ctx.state.user.displayName };
    const result = await saveMatter(db, { code, create: false, patch: { volunteerClaimable: body.volunteerClaimable }, author, reason: "志愿者页面设置志愿者可认领", now: services.clock() }).catch((err) => {
      throw err instanceof ListConflict ? NotFoundError(`职责清单中没有事项 ${code}`) : err;
    });
    if (result.versionId !== null) await services.reference.reload();
    log.info({ by: by(ctx), matter: code, volunteerClaimable: body.volunteerClaimable, versionId: result.versionId }, "matter volunteer-claimable changed");
    ctx.body = { code, volunteerClaimable: body.volunteerClaimable };
  });

  /** A claim a volunteer made by phone, recorded for them: the same rules as their chat's (their grid, first wins). */
  router.post("/volunteer-tasks/:number/claim", async (ctx) => {
    const { number } = parseInput(numberParam, ctx.params);
    const { volunteerId } = parseInput(claimForSchema, ctx.request.body);
    const volunteer = await db.volunteer.findFirst({ where: { id: volunteerId, active: true, ...volunteersIn(scopeOf(ctx)) } });
    if (!volunteer) throw NotFoundError("志愿者不存在或已停用");
    const answer = await claimTask(tasks, volunteer, number, `user:${by(ctx)}`, services.clock());
    if (!answer.ok) throw new AppError("claim_refused", answer.caseId ? 409 : 404, answer.message);
    log.info({ by: by(ctx), caseId: answer.caseId, volunteerId }, "volunteer task claimed for a volunteer");
    ctx.body = { number: answer.number, volunteerId };
  });

  router.post("/households", async (ctx) => {
    const body = parseInput(householdSchema, ctx.request.body);
    const h = await createHousehold(db, body, scopeOf(ctx));
    log.info({ by: by(ctx), householdId: h.id, buildings: body.buildingIds.length }, "party household added");
    ctx.status = 201;
    ctx.body = { id: h.id };
  });

  router.patch("/households/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(householdUpdateSchema, ctx.request.body);
    await changeHousehold(db, id, body, scopeOf(ctx));
    log.info({ by: by(ctx), householdId: id, active: body.active }, "party household changed");
    ctx.body = { id };
  });

  /** A household's note or visit (走访), told on the phone: only on a case of its buildings. */
  router.post("/households/:id/notes", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(householdNoteSchema, ctx.request.body);
    if (!(await db.partyHousehold.findFirst({ where: { id, ...householdsIn(scopeOf(ctx)) } }))) throw NotFoundError("党员中心户不存在");
    const answer = await addHouseholdNote({ db, cases: services.cases }, id, { ...body, actorId: `user:${by(ctx)}`, now: services.clock() });
    if (!answer.ok) throw new AppError("note_refused", answer.caseId ? 403 : 404, answer.message);
    log.info({ by: by(ctx), householdId: id, caseId: answer.caseId, visit: body.visit }, "party household note recorded");
    ctx.status = 201;
    ctx.body = { number: answer.number };
  });

  return router;
}
