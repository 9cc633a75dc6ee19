// Signing in and out of the console, changing one's password, and administrators managing accounts and API tokens.
import Router from "@koa/router";
import type { Context } from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { AppError, AuthenticationError, AuthorizationError, NotFoundError, ValidationError } from "../errors.ts";
import { passwordProblem } from "../auth/passwords.ts";
import { endSession, requireUser, startSession, type SessionUser } from "../auth/sessions.ts";
import { createUser, resetPassword, setPassword } from "../auth/users.ts";
import { checkPassword, clientAddress, dummyHash, minutesUntil, type PasswordCheck } from "../auth/signIn.ts";
import { removeFirstAdminPasswordFile } from "../auth/firstAdmin.ts";
import { listApiTokens, revokeApiToken } from "../http/apiTokens.ts";
import { CITY_WIDE_ONLY, givesOwn, keepsAccount, refuseAreaAdmin, type Scope } from "../org/scope.ts";
import { isRowId, rowId, rowIdValue } from "../http/ids.ts";

export const loginSchema = z.object({ username: z.string().trim().min(1, "请输入用户名").max(50), password: z.string().min(1, "请输入密码").max(200) });
export const createSchema = z.object({
  username: z.string().trim().regex(/^[A-Za-z0-9_.-]{2,32}$/, "用户名为 2–32 位字母、数字或 _ . -"),
  displayName: z.string().trim().min(1).max(50),
  role: z.enum(["worker", "admin"]),
  gridIds: z.array(rowIdValue).default([]),
  unitIds: z.array(rowIdValue).default([]),
  /** An administrator of this district or street (only the city's administrators create administrators). */
  areaId: rowIdValue.nullable().default(null),
});
export const updateSchema = z.object({ disabled: z.boolean() });
export const passwordSchema = z.object({
  currentPassword: z.string().min(1, "请输入当前密码").max(200),
  newPassword: z.string().max(200, "新密码最多 200 位"),
});
const idParam = rowId;

/** 429 with Retry-After; says nothing about whether the name exists (unknown names are throttled alike). */
function throttled(ctx: Context, retryAt: Date, now: Date): never {
  const minutes = minutesUntil(retryAt, now);
  ctx.set("Retry-After", String(Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000))));
  throw new AppError("too_many_attempts", 429, `登录尝试过于频繁，请 ${minutes} 分钟后再试`, { retryAfterMinutes: minutes });
}

const presentUser = (u: { id: number; username: string; displayName: string; role: string; mustChangePassword: boolean }) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role,
  mustChangePassword: u.mustChangePassword,
});

/** The district or street an administrator keeps, for the page (null: the city). */
async function areaOf(db: Services["db"], areaId: number | null | undefined) {
  return areaId ? db.area.findUnique({ where: { id: areaId }, select: { id: true, name: true, level: true } }) : null;
}

export function authRoutes(services: Services): Router {
  const { db, log } = services;
  const router = new Router();
  const signedIn = requireUser(db, ["worker", "admin"], services.clock);
  // Accounts: a district's or a street's administrator keeps their workers (org/scope.ts); API tokens are the city's.
  const admin = requireUser(db, ["admin"], services.clock, { areaAdmins: true });
  const scopeOf = (ctx: Context) => (ctx.state.scope ?? null) as Scope | null;
  /** The account if this administrator keeps it; others' read as missing. */
  const keptUser = async (ctx: Context, id: number | null) => {
    const user = id !== null && isRowId(id) ? await db.user.findUnique({ where: { id } }) : null;
    if (!user || !keepsAccount(scopeOf(ctx), user)) throw NotFoundError("用户不存在");
    return user;
  };
  void dummyHash(); // ready before the first unknown name, so that one takes no longer than the rest
  const check = (username: string, password: string, ctx: Context): Promise<PasswordCheck> =>
    checkPassword({ db }, { username, password, address: clientAddress(ctx) }, services.clock());

  router.post("/api/auth/login", async (ctx) => {
    const body = parseInput(loginSchema, ctx.request.body);
    const result = await check(body.username, body.password, ctx);
    // Logs carry the account's id when the name is one, never the name typed.
    if (result.kind === "throttled") {
      log.warn({ userId: result.user?.id ?? null }, "sign-in throttled");
      throttled(ctx, result.retryAt, services.clock());
    }
    if (result.kind === "wrong") {
      log.warn({ userId: result.user?.id ?? null }, "failed sign-in");
      throw AuthenticationError("用户名或密码错误");
    }
    const { user } = result;
    // Secure whenever the browser's connection is HTTPS (behind a reverse proxy: with TRUST_PROXY, from its header).
    const { csrfToken } = await startSession(db, ctx, user.id, services.clock(), ctx.secure);
    log.info({ userId: user.id }, "signed in");
    ctx.body = { user: { ...presentUser(user), area: await areaOf(db, user.areaId) }, csrfToken, now: services.clock() };
  });

  router.post("/api/auth/logout", signedIn, async (ctx) => {
    await endSession(db, ctx);
    ctx.status = 204;
  });

  router.get("/api/auth/me", signedIn, async (ctx) => {
    // The service's time, which the page counts down from (the simulator's clock may have been moved forward).
    const me = ctx.state.user as SessionUser;
    ctx.body = { user: { ...me, area: await areaOf(db, me.areaId) }, csrfToken: ctx.state.csrfToken, now: services.clock() };
  });

  // One's own password: the current one (throttled like signing in), then the new one; other sessions end.
  router.post("/api/auth/password", signedIn, async (ctx) => {
    const me = ctx.state.user as SessionUser;
    const body = parseInput(passwordSchema, ctx.request.body);
    const result = await check(me.username, body.currentPassword, ctx);
    if (result.kind === "throttled") throttled(ctx, result.retryAt, services.clock());
    // 400, not 401: the session is fine, and the page must not take it for a sign-out.
    if (result.kind === "wrong") throw ValidationError("当前密码不正确", { field: "currentPassword" });
    const problem = passwordProblem(body.newPassword, me.username) ?? (body.newPassword === body.currentPassword ? "新密码不能与当前密码相同" : null);
    if (problem) throw ValidationError(problem, { field: "newPassword" });
    const { sessionsEnded } = await setPassword(db, me, body.newPassword, { mustChange: false, keepSessionId: ctx.state.sessionId as number, now: services.clock() });
    removeFirstAdminPasswordFile(services.config.dataDir, me.username);
    log.info({ userId: me.id, sessionsEnded }, "password changed");
    ctx.body = { ok: true, sessionsEnded };
  });

  router.get("/api/users", admin, async (ctx) => {
    const me = ctx.state.user as SessionUser;
    const users = (await db.user.findMany({ orderBy: { id: "asc" } })).filter((u) => u.id === me.id || keepsAccount(scopeOf(ctx), u));
    ctx.body = {
      users: users.map((u) => ({
        id: u.id,
        username: u.username,
        displayName: u.displayName,
        role: u.role,
        gridIds: u.gridIds,
        unitIds: u.unitIds,
        areaId: u.areaId,
        disabled: Boolean(u.disabledAt),
        mustChangePassword: u.mustChangePassword,
        passwordChangedAt: u.passwordChangedAt,
      })),
    };
  });

  router.post("/api/users", admin, async (ctx) => {
    const body = parseInput(createSchema, ctx.request.body);
    const scope = scopeOf(ctx);
    if (scope?.area && body.role === "admin") throw AuthorizationError(CITY_WIDE_ONLY);
    if (!givesOwn(scope, body.gridIds, body.unitIds)) throw ValidationError("请选择本辖区的网格和单位", { field: "gridIds" });
    if (body.areaId !== null) {
      const area = await areaOf(db, body.areaId);
      if (body.role !== "admin" || !area || (area.level !== "district" && area.level !== "street")) throw ValidationError("管理范围应为一个区或街道", { field: "areaId" });
    }
    const { user, password } = await createUser(db, body);
    log.info({ by: (ctx.state.user as SessionUser).id, userId: user.id, role: user.role }, "account created");
    ctx.status = 201;
    ctx.body = { id: user.id, username: user.username, password };
  });

  router.patch("/api/users/:id", admin, async (ctx) => {
    const body = parseInput(updateSchema, ctx.request.body);
    const user = await keptUser(ctx, Number(ctx.params.id));
    const id = user.id;
    if (user.id === (ctx.state.user as SessionUser).id && body.disabled) throw new AppError("forbidden", 403, "不能停用自己的账号");
    await db.user.update({ where: { id }, data: { disabledAt: body.disabled ? services.clock() : null } });
    if (body.disabled) await db.session.deleteMany({ where: { userId: id } });
    log.info({ by: (ctx.state.user as SessionUser).id, userId: id, disabled: body.disabled }, "account changed");
    ctx.body = { id, disabled: body.disabled };
  });

  // An administrator resets someone else's password: a new generated one, shown once; their sessions end.
  router.post("/api/users/:id/password", admin, async (ctx) => {
    const me = ctx.state.user as SessionUser;
    const id = idParam.safeParse(ctx.params.id);
    const user = await keptUser(ctx, id.success ? id.data : null);
    if (user.id === me.id) throw ValidationError("自己的密码请在“修改密码”中修改");
    const { password, sessionsEnded } = await resetPassword(db, user, services.clock());
    log.info({ by: me.id, userId: user.id, sessionsEnded }, "password reset");
    ctx.body = { id: user.id, username: user.username, password, sessionsEnded };
  });

  // API tokens (made with npm run token:create): what exists, when each was last used, and revoking one.
  router.get("/api/tokens", admin, async (ctx) => {
    refuseAreaAdmin(scopeOf(ctx));
    ctx.body = { tokens: await listApiTokens(db, services.clock()) };
  });

  router.post("/api/tokens/:id/revoke", admin, async (ctx) => {
    refuseAreaAdmin(scopeOf(ctx));
    const id = idParam.safeParse(ctx.params.id);
    const revoked = id.success ? await revokeApiToken(db, id.data, services.clock()) : null;
    if (!revoked) throw NotFoundError("令牌不存在");
    log.info({ by: (ctx.state.user as SessionUser).id, tokenId: revoked.id }, "API token revoked");
    ctx.body = revoked;
  });

  return router;
}
