// Administrators keep the community's service places (老年食堂, 党群服务中心 …) as data: list, add, change (a place is
// deactivated, never deleted), their staff contacts, and an import from CSV/XLSX refused whole when a row is bad.
// Workers (and worker tokens) read the active places. The bot answers residents from the same data. A district's or
// a street's administrator keeps (and reads) only the places of their areas (org/scope.ts).
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { AppError, AuthorizationError, ValidationError } from "../errors.ts";
import { addContact, removeContact } from "../org/contacts.ts";
import { KIND_LABELS } from "../places/kinds.ts";
import { WEEKDAY_LABELS } from "../places/hours.ts";
import { changePlace, createPlace, listPlaces, placeSchema, placeUpdateSchema, presentPlace, savePlaces } from "../places/service.ts";
import { PLACE_FILE_HEADER, readPlaceFile } from "../places/import.ts";
import { LIST_LIMITS, ListFileRefused } from "../responsibility/limits.ts";
import { contactSchema, idParam } from "./adminOrg.ts";
import { problemsOut } from "./adminList.ts";
import type { Scope } from "../org/scope.ts";

export const placeFileSchema = z.object({
  fileName: z.string().trim().max(200).regex(/\.(csv|xlsx)$/i, "请选择 .csv 或 .xlsx 文件"),
  /** The file's bytes, base64. */
  content: z.base64("文件内容须为 base64").max(Math.ceil(LIST_LIMITS.fileBytes / 3) * 4, "文件不能超过 5 MB"),
});

export function adminPlaceRoutes(services: Services): Router {
  const { db, log } = services;
  const router = new Router({ prefix: "/api/admin" });
  router.use(requireUser(db, ["admin"], services.clock, { areaAdmins: true }));
  const by = (ctx: { state: { user: SessionUser } }) => ctx.state.user.id;
  const scopeOf = (ctx: { state: { scope?: Scope | null } }) => ctx.state.scope ?? null;
  const readFile = async (body: z.infer<typeof placeFileSchema>, scope: Scope | null) => {
    const bytes = Buffer.from(body.content, "base64");
    if (!bytes.length) throw ValidationError("文件是空的", { field: "content" });
    try {
      return await readPlaceFile(db, body.fileName, bytes, scope);
    } catch (err) {
      if (err instanceof ListFileRefused) throw new AppError(err.id, 422, err.message, { field: "content" });
      throw err;
    }
  };

  router.get("/places", async (ctx) => {
    ctx.body = { kinds: KIND_LABELS, weekdays: WEEKDAY_LABELS, fileHeader: PLACE_FILE_HEADER, places: (await listPlaces(db, { scope: scopeOf(ctx) })).map(presentPlace) };
  });

  router.post("/places", async (ctx) => {
    const body = parseInput(placeSchema, ctx.request.body);
    const place = await createPlace(db, body, scopeOf(ctx));
    log.info({ by: by(ctx), placeId: place.id }, "place created");
    ctx.status = 201;
    ctx.body = { id: place.id };
  });

  router.patch("/places/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(placeUpdateSchema, ctx.request.body);
    await changePlace(db, id, body, scopeOf(ctx));
    log.info({ by: by(ctx), placeId: id, fields: Object.keys(body) }, "place changed");
    ctx.body = { id };
  });

  // ---- the staff's contacts: the one contact add / remove areas and units use ----
  router.post("/places/:id/contacts", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(contactSchema, ctx.request.body);
    const contact = await addContact(db, "place", id, body, scopeOf(ctx));
    log.info({ by: by(ctx), placeId: id, contactId: contact.id, kind: body.kind }, "place contact added");
    ctx.status = 201;
    ctx.body = { id: contact.id };
  });
  router.delete("/place-contacts/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    await removeContact(db, "place", id, scopeOf(ctx));
    log.info({ by: by(ctx), contactId: id }, "place contact removed");
    ctx.status = 204;
  });

  // ---- import: a preview (every row's problem, which places are new), then the file saved or refused whole ----
  router.post("/places/import/preview", async (ctx) => {
    const { places, problems } = await readFile(parseInput(placeFileSchema, ctx.request.body), scopeOf(ctx));
    const known = new Set((await db.servicePlace.findMany({ where: { code: { in: places.map((p) => p.code) } }, select: { code: true } })).map((p) => p.code));
    ctx.body = { places: places.map((p) => ({ code: p.code, name: p.name, isNew: !known.has(p.code), services: p.services.length })), ...problemsOut(problems) };
  });

  router.post("/places/import", async (ctx) => {
    const { places, problems } = await readFile(parseInput(placeFileSchema, ctx.request.body), scopeOf(ctx));
    if (problems.length) throw new AppError("places_invalid", 422, `文件有 ${problems.length} 处问题，未写入任何数据`, problemsOut(problems));
    const saved = await savePlaces(db, places, scopeOf(ctx));
    log.info({ by: by(ctx), ...saved }, "places imported");
    ctx.body = saved;
  });

  return router;
}

/** The active places, read-only, for workers and worker tokens (not units). */
export function placeRoutes(services: Services): Router {
  const { db } = services;
  const router = new Router({ prefix: "/api" });
  router.use(requirePrincipal(db, services.clock));
  router.get("/places", async (ctx) => {
    if ((ctx.state.principal as Principal).role === "unit") throw AuthorizationError();
    const places = (await listPlaces(db, { activeOnly: true, scope: (ctx.state.principal as Principal).scope })).map(presentPlace);
    // Staff contacts are for the service's own notices, not for reading out.
    ctx.body = { places: places.map(({ contacts: _c, ...p }) => ({ ...p, services: p.services.filter((s) => s.active) })) };
  });
  return router;
}
