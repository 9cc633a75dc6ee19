// What the console's pickers and filters offer: matters of the responsibility list (searchable: a city's list has
// 500), units and grids. Read-only; any signed-in worker or worker token, not units.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { AuthorizationError } from "../errors.ts";

export const matterQuery = z.object({
  /** Words in the code, name, category or keywords; all must match. */
  q: z.string().trim().max(50).optional(),
  limit: z.coerce.number().int().min(1).max(600).default(30),
});

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
        cooperatingUnits: m.cooperatingUnits.map((u) => u.name),
        responseHours: m.responseHours,
        resolveDays: m.resolveDays,
      })),
    };
  });

  router.get("/units", async (ctx) => {
    const units = await db.unit.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true, kind: true } });
    ctx.body = { units };
  });

  /** Grids, with their community and street, for filters. */
  router.get("/grids", async (ctx) => {
    const grids = await db.area.findMany({ where: { level: "grid" }, orderBy: { id: "asc" }, include: { parent: { include: { parent: true } } } });
    ctx.body = { grids: grids.map((g) => ({ id: g.id, name: g.name, community: g.parent?.name ?? null, street: g.parent?.parent?.name ?? null })) };
  });

  return router;
}
