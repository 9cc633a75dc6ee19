// API tokens for systems and units acting on cases (a 12345 platform, a unit's own system). Only a SHA-256 of
// the token is stored; the token itself is shown once, when it is created.
import { createHash, randomBytes } from "node:crypto";
import type { Middleware } from "koa";
import type { Db } from "../db.ts";
import { AuthenticationError } from "../errors.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import type { Scope } from "../org/scope.ts";

/** Who is calling: a system or unit with an API token, or a person signed in to the console. */
export interface Principal {
  kind: "token" | "user";
  /** token:<id> or user:<id>, as recorded in the case event log. */
  actorId: string;
  name: string;
  role: "unit" | "worker" | "admin";
  /** A unit token's unit. */
  unitId: number | null;
  /** A signed-in worker's grids and units, or a district's or street's administrator's area (org/scope.ts); null means every case (the city's administrators, worker tokens). */
  scope: Scope | null;
}

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const TOKEN_DAYS = 365;
/** lastUsedAt is written when it is older than this, so a busy system does not cause a write per request. */
const LAST_USED_EVERY_MS = 60_000;

/** A new token, valid `days` (365) from `now` (the wall clock when not given: the command line). */
export async function createApiToken(db: Db, t: { name: string; role: "unit" | "worker"; unitId?: number | null; days?: number; now?: Date }) {
  const token = `mh_${randomBytes(24).toString("base64url")}`;
  const now = t.now ?? new Date();
  const expiresAt = new Date(now.getTime() + (t.days ?? TOKEN_DAYS) * 86400_000);
  const row = await db.apiToken.create({ data: { name: t.name, role: t.role, unitId: t.unitId ?? null, tokenHash: hashToken(token), createdAt: now, expiresAt } });
  return { token, id: row.id, expiresAt };
}

export type TokenStatus = "active" | "expired" | "revoked";
export const tokenStatus = (t: { expiresAt: Date; revokedAt: Date | null }, now: Date): TokenStatus =>
  t.revokedAt ? "revoked" : t.expiresAt <= now ? "expired" : "active";

/** Every token, newest first, with its unit and whether it still works (never the token or its hash). */
export async function listApiTokens(db: Db, now: Date) {
  const rows = await db.apiToken.findMany({ orderBy: { id: "desc" }, include: { unit: { select: { id: true, name: true } } } });
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    role: t.role as "unit" | "worker",
    unit: t.unit,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
    status: tokenStatus(t, now),
  }));
}

/** Revokes a token at once (the row stays, for the record); null when there is no such token. */
export async function revokeApiToken(db: Db, id: number, now: Date): Promise<{ id: number; name: string; revokedAt: Date } | null> {
  const row = await db.apiToken.findUnique({ where: { id } });
  if (!row) return null;
  if (row.revokedAt) return { id, name: row.name, revokedAt: row.revokedAt };
  await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  return { id, name: row.name, revokedAt: now };
}

/** An API token when the request carries one; otherwise a console session (with its CSRF check). */
export function requirePrincipal(db: Db, now: () => Date): Middleware {
  const token = requireApiToken(db, now);
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
        scope: ctx.state.scope as Scope | null,
      } satisfies Principal;
      await next();
    });
  };
}

/** A bearer token that exists, is not revoked and has not expired; records when it was used, once a minute. */
export function requireApiToken(db: Db, now: () => Date): Middleware {
  return async function apiToken(ctx, next) {
    const given = /^Bearer\s+(\S+)$/i.exec(ctx.get("authorization"))?.[1];
    const row = given ? await db.apiToken.findUnique({ where: { tokenHash: hashToken(given) } }) : null;
    const at = now();
    if (!row || tokenStatus(row, at) !== "active") throw AuthenticationError();
    if (!row.lastUsedAt || Math.abs(at.getTime() - row.lastUsedAt.getTime()) >= LAST_USED_EVERY_MS) {
      // Conditional, so requests arriving together write it once.
      await db.apiToken.updateMany({ where: { id: row.id, lastUsedAt: row.lastUsedAt }, data: { lastUsedAt: at } });
    }
    ctx.state.principal = { kind: "token", actorId: `token:${row.id}`, name: row.name, role: row.role as Principal["role"], unitId: row.unitId, scope: null } satisfies Principal;
    await next();
  };
}
