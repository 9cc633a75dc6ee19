// Koa middlewares shared by every route: error mapping, request validation, access checks.
import { timingSafeEqual } from "node:crypto";
import type { Context, Middleware } from "koa";
import { z } from "zod";
import { AppError, AuthenticationError, AuthorizationError, ValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";

const zhCN = z.locales.zhCN();

/** Maps errors onto JSON answers; only errors marked safe show their message. */
export function errorHandler(log: Logger): Middleware {
  return async function handleErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const e = err as Error & { status?: number; expose?: boolean; type?: string };
      if (err instanceof AppError) {
        ctx.status = err.status;
        ctx.body = { error: { id: err.id, message: err.expose ? err.message : "服务器内部错误", ...(err.details ?? {}) } };
        if (!err.expose) log.error({ err, path: ctx.path }, "request failed");
        return;
      }
      if (e.status && e.status >= 400 && e.status < 500) {
        // Koa and the body parser: malformed JSON, body too large …
        ctx.status = e.status;
        const message = e.type === "entity.parse.failed" || err instanceof SyntaxError ? "请求体不是合法的 JSON" : e.status === 413 ? "请求体过大" : "请求无效";
        ctx.body = { error: { id: "bad_request", message } };
        return;
      }
      // A foreign key to a row that does not exist (e.g. a unit's areaId): the request named it, so it is a 400.
      if ((err as { code?: string }).code === "P2003") {
        ctx.status = 400;
        ctx.body = { error: { id: "validation_error", message: "引用的记录不存在" } };
        return;
      }
      log.error({ err, path: ctx.path, method: ctx.method }, "unhandled error");
      ctx.status = 500;
      ctx.body = { error: { id: "internal_error", message: "服务器内部错误" } };
    }
  };
}

/** Parses input with a zod schema; the first problem becomes a 400 that names the field. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data, { error: zhCN.localeError });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".") || "(请求体)";
  throw ValidationError(`字段 ${field} 无效：${issue.message}`, {
    field,
    issues: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
  });
}

export function isLoopback(ip: string): boolean {
  return ip === "127.0.0.1" || ip === "::1" || ip === "::ffff:127.0.0.1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

/** Headers a reverse proxy adds: a request carrying any of them came from elsewhere, whatever its socket says. */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"];

/** A loopback name in the Host header (localhost, 127.x.x.x, [::1]), with or without a port. */
function isLoopbackHost(host: string): boolean {
  const name = /^\[([^\]]+)\](?::\d+)?$/.exec(host)?.[1] ?? host.replace(/:\d+$/, "");
  const lower = name.toLowerCase();
  return lower === "localhost" || lower.endsWith(".localhost") || isLoopback(lower);
}

/**
 * A request from this machine itself: the socket's peer is loopback (not the proxy-derived ctx.ip), the Host
 * header names this machine (a page on another site cannot reach it by DNS rebinding), and nothing says it was
 * forwarded (behind a reverse proxy on this host every request arrives on a loopback socket).
 */
export function isLocalRequest(ctx: Context): boolean {
  return (
    isLoopback(ctx.req.socket.remoteAddress ?? "") &&
    isLoopbackHost(ctx.get("host")) &&
    !FORWARDING_HEADERS.some((h) => ctx.get(h) !== "")
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A bearer token when one is configured; otherwise only clients on this machine. */
export function requireTokenOrLocal(token: string | undefined): Middleware {
  return async function tokenOrLocal(ctx: Context, next) {
    if (token) {
      const given = /^Bearer\s+(.+)$/i.exec(ctx.get("authorization"))?.[1];
      if (!given || !sameSecret(given, token)) throw AuthenticationError();
    } else if (!isLocalRequest(ctx)) {
      throw AuthorizationError("未配置访问令牌时只接受本机请求");
    }
    await next();
  };
}

/** Only clients on this machine (the simulator is a development and demonstration tool). */
export function requireLocal(message = "模拟器只接受本机访问"): Middleware {
  return async function localOnly(ctx, next) {
    if (!isLocalRequest(ctx)) throw AuthorizationError(message);
    await next();
  };
}

/** The pages' Content-Security-Policy: their own code only, no inline script, nothing from elsewhere (ECharts sets inline styles). */
export const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";
