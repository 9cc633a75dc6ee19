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
    // A whole list is a few hundred rows: matching in memory also searches the keywords (a JSON array).
    const terms = (q.q ?? "").toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
    const all = await db.matter.findMany({ where: { active: true }, orderBy: { code: "asc" }, include: { leadUnit: true, cooperatingUnits: { include: { unit: true } } } });
    const found = all.filter((m) => {
      const hay = [m.code, m.name, m.category, ...(m.keywords as string[])].join(" ").toLowerCase();
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
        leadUnit: m.leadUnit ? { id: m.leadUnit.id, name: m.leadUnit.name } : null,
        cooperatingUnits: m.cooperatingUnits.map((c) => c.unit.name),
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
