// Signing in and out of the console, and administrators managing accounts.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { AppError, AuthenticationError, NotFoundError } from "../errors.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { endSession, requireUser, startSession, type SessionUser } from "../auth/sessions.ts";
import { createUser } from "../auth/users.ts";

export const loginSchema = z.object({ username: z.string().trim().min(1, "请输入用户名").max(50), password: z.string().min(1, "请输入密码").max(200) });
export const createSchema = z.object({
  username: z.string().trim().regex(/^[A-Za-z0-9_.-]{2,32}$/, "用户名为 2–32 位字母、数字或 _ . -"),
  displayName: z.string().trim().min(1).max(50),
  role: z.enum(["worker", "admin"]),
  gridIds: z.array(z.number().int().positive()).default([]),
  unitIds: z.array(z.number().int().positive()).default([]),
});
export const updateSchema = z.object({ disabled: z.boolean() });

/** Failed sign-ins per user name: after five, wait five minutes (slows down guessing). */
const failures = new Map<string, { count: number; until: number }>();
const MAX_FAILURES = 5;
const LOCK_MS = 5 * 60_000;

export function authRoutes(services: Services): Router {
  const { db } = services;
  const router = new Router();
  const signedIn = requireUser(db, ["worker", "admin"], services.clock);
  const admin = requireUser(db, ["admin"], services.clock);

  router.post("/api/auth/login", async (ctx) => {
    const body = parseInput(loginSchema, ctx.request.body);
    const f = failures.get(body.username);
    if (f && f.count >= MAX_FAILURES && Date.now() < f.until) throw new AppError("too_many_attempts", 429, "登录失败次数过多，请 5 分钟后再试");
    const user = await db.user.findUnique({ where: { username: body.username } });
    const ok = user && !user.disabledAt && (await verifyPassword(body.password, user.passwordHash));
    if (!ok) {
      const count = (f && Date.now() < f.until ? f.count : 0) + 1;
      failures.set(body.username, { count, until: Date.now() + LOCK_MS });
      services.log.warn({ userId: user?.id ?? null }, "failed sign-in");
      throw AuthenticationError("用户名或密码错误");
    }
    failures.delete(body.username);
    // Secure whenever the browser's connection is HTTPS (behind a reverse proxy: with TRUST_PROXY, from its header).
    const { csrfToken } = await startSession(db, ctx, user.id, services.clock(), ctx.secure);
    ctx.body = { user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role }, csrfToken, now: services.clock() };
  });

  router.post("/api/auth/logout", signedIn, async (ctx) => {
    await endSession(db, ctx);
    ctx.status = 204;
  });

  router.get("/api/auth/me", signedIn, async (ctx) => {
    // The service's time, which the page counts down from (the simulator's clock may have been moved forward).
    ctx.body = { user: ctx.state.user as SessionUser, csrfToken: ctx.state.csrfToken, now: services.clock() };
  });

  router.get("/api/users", admin, async (ctx) => {
    const users = await db.user.findMany({ orderBy: { id: "asc" } });
    ctx.body = { users: users.map((u) => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, gridIds: u.gridIds, unitIds: u.unitIds, disabled: Boolean(u.disabledAt) })) };
  });

  router.post("/api/users", admin, async (ctx) => {
    const body = parseInput(createSchema, ctx.request.body);
    const { user, password } = await createUser(db, body);
    services.log.info({ by: (ctx.state.user as SessionUser).id, userId: user.id, role: user.role }, "account created");
    ctx.status = 201;
    ctx.body = { id: user.id, username: user.username, password };
  });

  router.patch("/api/users/:id", admin, async (ctx) => {
    const id = Number(ctx.params.id);
    const body = parseInput(updateSchema, ctx.request.body);
    const user = Number.isInteger(id) ? await db.user.findUnique({ where: { id } }) : null;
    if (!user) throw NotFoundError("用户不存在");
    if (user.id === (ctx.state.user as SessionUser).id && body.disabled) throw new AppError("forbidden", 403, "不能停用自己的账号");
    await db.user.update({ where: { id }, data: { disabledAt: body.disabled ? services.clock() : null } });
    if (body.disabled) await db.session.deleteMany({ where: { userId: id } });
    services.log.info({ by: (ctx.state.user as SessionUser).id, userId: id, disabled: body.disabled }, "account changed");
    ctx.body = { id, disabled: body.disabled };
  });

  return router;
}
