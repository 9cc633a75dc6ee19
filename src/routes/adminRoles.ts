// Administrators keep the roles of the territorial list (属地) and who fills each role in each area: a street's
// filler serves its communities, grids and buildings unless one of them names its own. A case opened from the next
// message on reaches the unit named here (org/roles.ts). Admin sessions only; the roles are the city's, and a
// district's or a street's administrator names fillers in their own areas only (org/scope.ts). Every change is
// logged with who.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { refuseAreaAdmin, type Scope } from "../org/scope.ts";
import { changeRole, createRole, deleteRole, listRoles, removeRoleFiller, setRoleFiller } from "../org/roleAdmin.ts";
import { rowId, rowIdValue } from "../http/ids.ts";

const id = rowId;
export const roleIdParam = z.object({ id });
export const fillerParams = z.object({ id, areaId: id });
export const roleSchema = z.object({
  code: z.string().trim().regex(/^[a-z0-9_-]{2,40}$/, "编码为 2–40 位小写字母、数字、_ 或 -"),
  name: z.string().trim().min(2, "角色名称至少 2 个字").max(60),
  description: z.string().trim().max(300).default(""),
});
export const roleUpdateSchema = roleSchema.omit({ code: true }).partial();
export const fillerSchema = z.object({ unitId: rowIdValue });

export function adminRoleRoutes(services: Services): Router {
  const { db, log, reference } = services;
  const router = new Router({ prefix: "/api/admin/roles" });
  router.use(requireUser(db, ["admin"], services.clock, { areaAdmins: true }));
  const by = (ctx: { state: { user: SessionUser } }) => ctx.state.user.id;
  const scopeOf = (ctx: { state: { scope?: Scope | null } }) => ctx.state.scope ?? null;

  /** Every role, how many matters name it, and who fills it where. */
  router.get("/", async (ctx) => {
    const roles = await listRoles(db, scopeOf(ctx));
    ctx.body = {
      roles: roles.map((r) => ({
        id: r.id,
        code: r.code,
        name: r.name,
        description: r.description,
        matters: r._count.ledMatters + r._count.cooperatingIn,
        fillers: r.fillers.map((f) => ({ area: f.area, unit: f.unit })),
      })),
    };
  });

  router.post("/", async (ctx) => {
    refuseAreaAdmin(scopeOf(ctx));
    const body = parseInput(roleSchema, ctx.request.body);
    const role = await createRole({ db, reference }, body);
    log.info({ by: by(ctx), roleId: role.id, code: body.code }, "role created");
    ctx.status = 201;
    ctx.body = { id: role.id };
  });

  router.patch("/:id", async (ctx) => {
    refuseAreaAdmin(scopeOf(ctx));
    const { id: roleId } = parseInput(roleIdParam, ctx.params);
    await changeRole({ db, reference }, roleId, parseInput(roleUpdateSchema, ctx.request.body));
    log.info({ by: by(ctx), roleId }, "role changed");
    ctx.body = { id: roleId };
  });

  router.delete("/:id", async (ctx) => {
    refuseAreaAdmin(scopeOf(ctx));
    const { id: roleId } = parseInput(roleIdParam, ctx.params);
    await deleteRole(db, roleId);
    log.info({ by: by(ctx), roleId }, "role deleted");
    ctx.status = 204;
  });

  /** The unit that fills the role for this area and below it (replacing the one it named before). */
  router.put("/:id/fillers/:areaId", async (ctx) => {
    const { id: roleId, areaId } = parseInput(fillerParams, ctx.params);
    const { unitId } = parseInput(fillerSchema, ctx.request.body);
    await setRoleFiller(db, { roleId, areaId, unitId }, scopeOf(ctx));
    log.info({ by: by(ctx), roleId, areaId, unitId }, "role filler set");
    ctx.body = { roleId, areaId, unitId };
  });

  /** The area no longer names its own: the filler above it serves it again. */
  router.delete("/:id/fillers/:areaId", async (ctx) => {
    const { id: roleId, areaId } = parseInput(fillerParams, ctx.params);
    await removeRoleFiller(db, { roleId, areaId }, scopeOf(ctx));
    log.info({ by: by(ctx), roleId, areaId }, "role filler removed");
    ctx.status = 204;
  });

  return router;
}
