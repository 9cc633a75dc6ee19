// API tokens for systems and units acting on cases (a 12345 platform, a unit's own system). Only a SHA-256 of
// the token is stored; the token itself is shown once, when it is created.
import { createHash, randomBytes } from "node:crypto";
import type { Middleware } from "koa";
import type { Db } from "../db.ts";
import { AuthenticationError } from "../errors.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";

/** Who is calling: a system or unit with an API token, or a person signed in to the console. */
export interface Principal {
  kind: "token" | "user";
  /** token:<id> or user:<id>, as recorded in the case event log. */
  actorId: string;
  name: string;
  role: "unit" | "worker" | "admin";
  /** A unit token's unit. */
  unitId: number | null;
  /** A signed-in worker's scope; null means every case (administrators, worker tokens). */
  scope: { gridIds: number[]; unitIds: number[] } | null;
}

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function createApiToken(db: Db, t: { name: string; role: "unit" | "worker"; unitId?: number | null }) {
  const token = `mh_${randomBytes(24).toString("base64url")}`;
  const row = await db.apiToken.create({ data: { name: t.name, role: t.role, unitId: t.unitId ?? null, tokenHash: hashToken(token) } });
  return { token, id: row.id };
}

/** An API token when the request carries one; otherwise a console session (with its CSRF check). */
export function requirePrincipal(db: Db, now: () => Date): Middleware {
  const token = requireApiToken(db);
  const session = requireUser(db, ["worker", "admin"], now);
  return async function principal(ctx, next) {
    if (ctx.get("authorization")) return token(ctx, next);
    return session(ctx, async () => {
      const u = ctx.state.user as SessionUser;
      ctx.state.principal = {
        kind: "user",
        actorId: `user:${u.id}`,
        name: u.displayName,
        role: u.role,
        unitId: null,
        scope: u.role === "admin" ? null : { gridIds: (u.gridIds as number[]) ?? [], unitIds: (u.unitIds as number[]) ?? [] },
      } satisfies Principal;
      await next();
    });
  };
}

export function requireApiToken(db: Db): Middleware {
  return async function apiToken(ctx, next) {
    const given = /^Bearer\s+(\S+)$/i.exec(ctx.get("authorization"))?.[1];
    const row = given ? await db.apiToken.findUnique({ where: { tokenHash: hashToken(given) } }) : null;
    if (!row || row.revokedAt) throw AuthenticationError();
    ctx.state.principal = { kind: "token", actorId: `token:${row.id}`, name: row.name, role: row.role as Principal["role"], unitId: row.unitId, scope: null } satisfies Principal;
    await next();
  };
}
