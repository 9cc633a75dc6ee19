// What the console's pickers and filters offer: matters of the responsibility list (searchable: a city's list has
// 500), units and grids. Read-only; any signed-in worker or worker token, not units.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { areasIn, unitsOffered } from "../org/scope.ts";
import { AuthorizationError, NotFoundError } from "../errors.ts";
import { unitsShown } from "../cases/presenters.ts";
import { resolveUnits } from "../org/roles.ts";
import { rowId } from "../http/ids.ts";

export const matterQuery = z.object({
  /** Words in the code, name, category or keywords; all must match. */
  q: z.string().trim().max(50).optional(),
  limit: z.coerce.number().int().min(1).max(600).default(30),
});

export const areaQuery = z.object({ areaId: rowId.optional() });

export function referenceRoutes(services: Services): Router {
  const { db } = services;
  const router = new Router({ prefix: "/api" });
  router.use(requirePrincipal(db, services.clock));
  router.use(async function notUnits(ctx, next) {
    if ((ctx.state.principal as Principal).role === "unit") throw AuthorizationError();
    await next();
  });

  router.get("/matters", async (ctx) => {
    const q = parseInput(matterQuery, ctx.query);
    // The picker asks on every keystroke: the list in memory (the one the classifiers use, refreshed when another
    // process changes it) is searched, keywords included, rather than the database.
    const terms = (q.q ?? "").toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
    const { catalogue } = await services.reference.fresh();
    const found = catalogue.matters.filter((m) => {
      const hay = [m.code, m.name, m.category, ...m.keywords].join(" ").toLowerCase();
      return terms.every((t) => hay.includes(t));
    });
    const total = found.length;
    const rows = found.slice(0, q.limit);
    ctx.body = {
      total,
      matters: rows.map((m) => ({
        code: m.code,
        name: m.name,
        category: m.category,
        leadUnit: m.leadUnit,
        /** A role instead of a fixed unit (属地): which unit it is depends on the case's place. */
        leadRole: m.leadRole ? { code: m.leadRole.code, name: m.leadRole.name } : null,
        cooperatingUnits: [...m.cooperatingUnits, ...m.cooperatingRoles].map((u) => u.name),
        responseHours: m.responseHours,
        resolveDays: m.resolveDays,
      })),
    };
  });

  /** Which units a matter reaches in an area (any level) and below it, and how: a preview of the territorial list. */
  router.get("/matters/:code/units", async (ctx) => {
    const { areaId } = parseInput(areaQuery, ctx.query);
    const { catalogue } = await services.reference.fresh();
    const matter = catalogue.byCode.get(String(ctx.params.code));
    if (!matter) throw NotFoundError("职责清单中没有这个事项");
    ctx.body = { matter: { code: matter.code, name: matter.name }, units: unitsShown(await resolveUnits(db, matter, { gridId: areaId ?? null, buildingId: null })) };
  });

  /** Units to pick from (a district's or a street's administrator: not another street's, org/scope.ts). */
  router.get("/units", async (ctx) => {
    const units = await db.unit.findMany({ where: unitsOffered((ctx.state.principal as Principal).scope), orderBy: { name: "asc" }, select: { id: true, name: true, kind: true } });
    ctx.body = { units };
  });

  /** Grids, with their community, street and district, for filters (a district's or a street's administrator: theirs). */
  router.get("/grids", async (ctx) => {
    const scope = (ctx.state.principal as Principal).scope;
    const grids = await db.area.findMany({ where: { AND: [{ level: "grid" }, areasIn(scope)] }, orderBy: { id: "asc" }, include: { parent: { include: { parent: { include: { parent: true } } } } } });
    ctx.body = {
      grids: grids.map((g) => {
        const street = g.parent?.parent ?? null;
        const district = street?.parent?.level === "district" ? street.parent : null;
        return { id: g.id, name: g.name, community: g.parent?.name ?? null, street: street?.name ?? null, streetId: street?.id ?? null, district: district?.name ?? null, districtId: district?.id ?? null };
      }),
    };
  });

  return router;
}
