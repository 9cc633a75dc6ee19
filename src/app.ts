// Builds the Koa app without listening, so tests can start it on any port.
import Koa from "koa";
import type Router from "@koa/router";
import { bodyParser } from "@koa/bodyparser";
import type { Services } from "./services.ts";
import { errorHandler } from "./http/middleware.ts";
import { AppError } from "./errors.ts";
import { TooDeepError, wellFormedStrings } from "./domain/text.ts";
import { ValidationError } from "./errors.ts";
import { healthRoutes } from "./routes/health.ts";
import { httpChannelRoutes } from "./routes/httpChannel.ts";
import { simulatorRoutes } from "./routes/simulator.ts";
import { caseRoutes } from "./routes/cases.ts";
import { kpiRoutes } from "./routes/kpis.ts";
import { hotspotRoutes } from "./routes/hotspots.ts";
import { authRoutes } from "./routes/auth.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { referenceRoutes } from "./routes/reference.ts";
import { consoleRoutes } from "./routes/console.ts";
import { adminPromptRoutes } from "./routes/adminPrompts.ts";
import { adminOrgRoutes } from "./routes/adminOrg.ts";
import { adminListRoutes } from "./routes/adminList.ts";
import { adminReplyRoutes } from "./routes/adminReplies.ts";
import { wechatCallbackRoutes } from "./routes/wechatCallbacks.ts";
import { mediaRoutes } from "./routes/media.ts";
import { surveyRoutes } from "./routes/survey.ts";
import { adminChannelRoutes } from "./routes/adminChannels.ts";
import { adminPlaceRoutes, placeRoutes } from "./routes/adminPlaces.ts";
import { adminVolunteerRoutes } from "./routes/adminVolunteers.ts";
import { bookingRoutes } from "./routes/bookings.ts";
import { adminRoleRoutes } from "./routes/adminRoles.ts";

/** Every router the app serves, in order (the authorisation test walks these, so no route escapes its table). */
export function appRouters(services: Services): Router[] {
  const routers = [healthRoutes(services), httpChannelRoutes(services), wechatCallbackRoutes(services), mediaRoutes(services), surveyRoutes(services), caseRoutes(services), kpiRoutes(services), authRoutes(services), referenceRoutes(services), adminPromptRoutes(services), adminOrgRoutes(services), adminListRoutes(services), adminReplyRoutes(services), adminChannelRoutes(services), openApiRoutes(), consoleRoutes()];
  routers.push(adminPlaceRoutes(services), placeRoutes(services));
  routers.push(adminVolunteerRoutes(services));
  routers.push(hotspotRoutes(services));
  routers.push(bookingRoutes(services));
  routers.push(adminRoleRoutes(services));
  if (services.config.simulatorEnabled) routers.push(simulatorRoutes(services));
  return routers;
}

/** An upload over the limit is refused as it arrives (by its Content-Length when it has one), saying the limit. */
function uploadTooLarge(err: Error & { status?: number }): never {
  if (err.status === 413) throw new AppError("payload_too_large", 413, "上传的内容过大：一次请求不能超过 8 MB（清单文件不能超过 5 MB），请缩小文件后再试");
  throw err;
}

export function createApp(services: Services): Koa {
  // Behind a proxy only the last X-Forwarded-For entry is the proxy's own; earlier ones are whatever the client sent.
  const app = new Koa({ proxy: services.config.TRUST_PROXY, maxIpsCount: 1 });
  app.use(errorHandler(services.log));
  // Administrators upload lists and labelled sets, the simulator photos (a few MB at most); everything else is small.
  const small = bodyParser({ enableTypes: ["json"], jsonLimit: "256kb" });
  const large = bodyParser({ enableTypes: ["json"], jsonLimit: "8mb", onError: uploadTooLarge });
  // WeChat's callbacks (XML) and the survey page (a form) read their own bodies, with their own limits.
  const ownBody = (p: string) => p.startsWith("/channels/") || p.startsWith("/r/");
  const bigBody = (p: string) => p.startsWith("/api/admin/") || p === "/api/simulator/messages";
  app.use((ctx, next) => (ownBody(ctx.path) ? next() : bigBody(ctx.path) ? large(ctx, next) : small(ctx, next)));
  // Lone surrogates and NULs in a JSON body become U+FFFD before any route reads it.
  app.use(async function mendText(ctx, next) {
    if (ctx.request.body !== undefined) {
      try {
        ctx.request.body = wellFormedStrings(ctx.request.body);
      } catch (err) {
        if (err instanceof TooDeepError) throw ValidationError("请求体嵌套层数过多");
        throw err;
      }
    }
    await next();
  });
  app.use(async function securityHeaders(ctx, next) {
    await next();
    ctx.set("X-Content-Type-Options", "nosniff");
    ctx.set("Referrer-Policy", "no-referrer");
  });

  for (const router of appRouters(services)) app.use(router.routes()).use(router.allowedMethods());

  app.use(async function notFound(ctx) {
    ctx.status = 404;
    ctx.body = { error: { id: "not_found", message: "页面或接口不存在" } };
  });
  return app;
}
