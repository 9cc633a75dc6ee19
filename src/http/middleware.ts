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
  return ip === "127.0.0.1" || ip === "::1" || ip === "::ffff:127.0.0.1" || ip.startsWith("127.");
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A bearer token when one is configured; otherwise only clients on this machine. */
export function requireTokenOrLoopback(token: string | undefined): Middleware {
  return async function tokenOrLoopback(ctx: Context, next) {
    if (token) {
      const given = /^Bearer\s+(.+)$/i.exec(ctx.get("authorization"))?.[1];
      if (!given || !sameSecret(given, token)) throw AuthenticationError();
    } else if (!isLoopback(ctx.ip)) {
      throw AuthorizationError("未配置访问令牌时只接受本机请求");
    }
    await next();
  };
}

/** Only clients on this machine (the simulator is a development and demonstration tool). */
export function requireLoopback(): Middleware {
  return async function loopbackOnly(ctx, next) {
    if (!isLoopback(ctx.ip)) throw AuthorizationError("模拟器只接受本机访问");
    await next();
  };
}
