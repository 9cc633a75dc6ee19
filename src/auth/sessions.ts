// Console sessions: an httpOnly, SameSite=Strict cookie holding a random token (only its hash is stored), and a
// CSRF token the page sends back in a header on every change. Also the role check every console route uses.
import { createHash, randomBytes } from "node:crypto";
import type { Context, Middleware } from "koa";
import type { Db } from "../db.ts";
import { AppError, AuthenticationError, AuthorizationError } from "../errors.ts";
import { CITY_WIDE_ONLY, scopeOf } from "../org/scope.ts";

export const SESSION_COOKIE = "minhu_session";
const SESSION_HOURS = 12;
const hash = (token: string) => createHash("sha256").update(token).digest("hex");

export interface SessionUser {
  id: number;
  username: string;
  displayName: string;
  role: "worker" | "admin";
  gridIds: number[];
  unitIds: number[];
  /** An administrator of this district or street (org/scope.ts); null: the whole city. */
  areaId: number | null;
  /** Signed in with a generated password: only these routes answer until they have set their own. */
  mustChangePassword: boolean;
}

/** What a person who must first replace a generated password may do. */
const WHILE_PASSWORD_MUST_CHANGE = new Set(["/api/auth/me", "/api/auth/logout", "/api/auth/password"]);

export async function startSession(db: Db, ctx: Context, userId: number, now: Date, secure: boolean) {
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  await db.session.create({ data: { tokenHash: hash(token), csrfToken, userId, expiresAt, createdAt: now } });
  // maxAge, not the service clock: the browser counts it on its own clock (the simulator may move the service's).
  ctx.cookies.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: "strict", secure, maxAge: SESSION_HOURS * 3600_000, overwrite: true });
  return { csrfToken, expiresAt };
}

export async function endSession(db: Db, ctx: Context) {
  const token = ctx.cookies.get(SESSION_COOKIE);
  if (token) await db.session.deleteMany({ where: { tokenHash: hash(token) } });
  ctx.cookies.set(SESSION_COOKIE, "", { httpOnly: true, sameSite: "strict", expires: new Date(0), overwrite: true });
}

/**
 * Signed in, not disabled, one of `roles`; changes also need the session's CSRF token in `x-csrf-token`. Sets
 * ctx.state.scope (org/scope.ts). A route for administrators only is city-wide unless it says `areaAdmins`: an
 * administrator of a district or a street is refused there, so a new admin route is closed to them until it
 * applies their scope.
 */
export function requireUser(db: Db, roles: SessionUser["role"][], now: () => Date, opts: { areaAdmins?: boolean } = {}): Middleware {
  const adminOnly = !roles.includes("worker");
  return async function signedIn(ctx, next) {
    const token = ctx.cookies.get(SESSION_COOKIE);
    const session = token ? await db.session.findUnique({ where: { tokenHash: hash(token) }, include: { user: true } }) : null;
    if (!session || session.expiresAt <= now() || session.user.disabledAt) throw AuthenticationError("请先登录");
    if (!["GET", "HEAD", "OPTIONS"].includes(ctx.method) && ctx.get("x-csrf-token") !== session.csrfToken) {
      throw AuthorizationError("页面已过期，请刷新后重试");
    }
    const u = session.user;
    if (!roles.includes(u.role as SessionUser["role"])) throw AuthorizationError();
    if (adminOnly && u.areaId && !opts.areaAdmins) throw AuthorizationError(CITY_WIDE_ONLY);
    if (u.mustChangePassword && !WHILE_PASSWORD_MUST_CHANGE.has(ctx.path)) throw new AppError("password_change_required", 403, "请先修改初始密码");
    ctx.state.user = { id: u.id, username: u.username, displayName: u.displayName, role: u.role, gridIds: u.gridIds, unitIds: u.unitIds, areaId: u.areaId, mustChangePassword: u.mustChangePassword } as SessionUser;
    ctx.state.scope = await scopeOf(db, u);
    ctx.state.csrfToken = session.csrfToken;
    ctx.state.sessionId = session.id;
    await next();
  };
}
