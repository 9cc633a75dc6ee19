// Bookings (预约) of the places' services on the console and through the API: the list, and a worker's step
// (confirm, propose another time, decline, done, cancel) — the same steps the staff take in their work chat.
// Who may: administrators, workers and worker tokens, for every place; units none; a district's or a street's
// administrator for its places only (org/scope.ts: another's booking reads as a missing one). Bookings are not
// cases: a place serves a community or a street, not a grid, so a worker's grid scope does not fit them.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requirePrincipal, type Principal } from "../http/apiTokens.ts";
import { AppError, AuthorizationError, NotFoundError } from "../errors.ts";
import { BOOKING_NOT_FOUND, listBookings, presentBooking, stepBooking } from "../places/bookings.ts";
import { REQUEST_NUMBER_EXACT, REQUEST_STATUSES, REQUEST_STATUS_LABELS } from "../places/requests.ts";
import { placeIdsIn } from "../org/scope.ts";
import { rowId } from "../http/ids.ts";

export const bookingListSchema = z.object({
  placeId: rowId.optional(),
  status: z.enum(REQUEST_STATUSES).optional(),
});
export const bookingActionSchema = z.object({
  action: z.enum(["confirm", "propose", "decline", "done", "cancel"]),
  /** The new time (propose), ISO 8601 with its offset, e.g. 2026-12-06T14:00:00+08:00. */
  at: z.iso.datetime({ offset: true }).optional(),
  note: z.string().trim().max(300).optional(),
});
const numberParam = z.object({ number: z.string().regex(REQUEST_NUMBER_EXACT, "预约号应为 YY2026-000001 的形式") });

/** The one policy for bookings on the API: anyone but a unit. */
export function mayHandleBookings(p: Principal): boolean {
  return p.role !== "unit";
}

export function bookingRoutes(services: Services): Router {
  const { db } = services;
  const router = new Router({ prefix: "/api/bookings" });
  router.use(requirePrincipal(db, services.clock));
  router.use(async (ctx, next) => {
    if (!mayHandleBookings(ctx.state.principal as Principal)) throw AuthorizationError("承办单位不能查看预约");
    await next();
  });

  router.get("/", async (ctx) => {
    const q = parseInput(bookingListSchema, ctx.query);
    const placeIds = await placeIdsIn(db, (ctx.state.principal as Principal).scope);
    ctx.body = { bookings: await listBookings(db, { ...q, placeIds }), statusLabels: REQUEST_STATUS_LABELS };
  });

  router.post("/:number/actions", async (ctx) => {
    const { number } = parseInput(numberParam, ctx.params);
    const body = parseInput(bookingActionSchema, ctx.request.body ?? {});
    const now = services.clock();
    await services.replies.fresh(db);
    const deps = { db, replies: services.replies, runtimeSettings: services.settings, calendar: services.cases.calendar, log: services.log };
    const placeIds = await placeIdsIn(db, (ctx.state.principal as Principal).scope);
    const stepped = await stepBooking(deps, number, { action: body.action, by: "worker", at: body.at ? new Date(body.at) : undefined, note: body.note, now }, { placeIds });
    if (!stepped.ok) {
      if (stepped.message.startsWith(BOOKING_NOT_FOUND)) throw NotFoundError(BOOKING_NOT_FOUND);
      throw new AppError("booking_refused", 409, stepped.message);
    }
    await services.dispatcher.flush(now);
    ctx.body = presentBooking(stepped.booking);
  });

  return router;
}
