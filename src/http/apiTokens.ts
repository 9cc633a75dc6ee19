// API tokens for systems and units acting on cases (a 12345 platform, a unit's own system). Only a SHA-256 of
// the token is stored; the token itself is shown once, when it is created.
import { createHash, randomBytes } from "node:crypto";
import type { Middleware } from "koa";
import type { Db } from "../db.ts";
import { AuthenticationError } from "../errors.ts";

export interface Principal {
  tokenId: number;
  name: string;
  role: "unit" | "worker";
  unitId: number | null;
}

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function createApiToken(db: Db, t: { name: string; role: "unit" | "worker"; unitId?: number | null }) {
  const token = `mh_${randomBytes(24).toString("base64url")}`;
  const row = await db.apiToken.create({ data: { name: t.name, role: t.role, unitId: t.unitId ?? null, tokenHash: hashToken(token) } });
  return { token, id: row.id };
}

export function requireApiToken(db: Db): Middleware {
  return async function apiToken(ctx, next) {
    const given = /^Bearer\s+(\S+)$/i.exec(ctx.get("authorization"))?.[1];
    const row = given ? await db.apiToken.findUnique({ where: { tokenHash: hashToken(given) } }) : null;
    if (!row || row.revokedAt) throw AuthenticationError();
    ctx.state.principal = { tokenId: row.id, name: row.name, role: row.role as Principal["role"], unitId: row.unitId } satisfies Principal;
    await next();
  };
}
