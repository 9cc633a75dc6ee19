// Checking a name and password (signing in, and a person confirming their current password): throttled by name
// and by address (throttle.ts), counted before the check, and the same scrypt work whether the name exists or not.
import { randomBytes } from "node:crypto";
import type { Context } from "koa";
import type { Db } from "../db.ts";
import type { User } from "../generated/prisma/client.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { addressKey, knownAddressKey, nameKey, reserveAttempt, succeeded } from "./throttle.ts";

/** How long an address counts as one the person signs in from, and how many are kept per person. */
const KNOWN_DAYS = 90;
const KNOWN_PER_USER = 10;

export type PasswordCheck =
  | { kind: "ok"; user: User }
  | { kind: "wrong"; user: User | null }
  | { kind: "throttled"; retryAt: Date; user: User | null };

export interface CheckDeps {
  db: Db;
  /** The scrypt check; tests pass one that records its calls. */
  verify?: (password: string, stored: string) => Promise<boolean>;
}

let dummy: Promise<string> | null = null;
/**
 * A hash of a random password nobody knows, with the same scrypt parameters as real ones: an unknown or disabled
 * name is checked against it, so it takes as long to refuse as a known name (names cannot be probed by timing).
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(32).toString("base64url"));
  return dummy;
}

/**
 * The client's address, IPv4 written plainly. Behind a reverse proxy (TRUST_PROXY) ctx.ip is the last
 * X-Forwarded-For entry, the one the proxy itself added (app.ts sets maxIpsCount 1): the entries before it are
 * whatever the client sent, and a client could name any address there.
 */
export function clientAddress(ctx: Context): string {
  return ctx.ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
}

export async function checkPassword({ db, verify = verifyPassword }: CheckDeps, input: { username: string; password: string; address: string }, now: Date): Promise<PasswordCheck> {
  const { username, password, address } = input;
  // Both lookups whether the name exists or not.
  const user = await db.user.findUnique({ where: { username } });
  const known = await db.signInAddress.findFirst({ where: { address, lastSignInAt: { gt: new Date(now.getTime() - KNOWN_DAYS * 86400_000) }, user: { username } } });
  // From an address the name has signed in from, only that pair is counted: a stranger elsewhere cannot hold the
  // person up there. Unknown names are counted like known ones, so a refusal pattern tells nothing either.
  const keys = known ? [knownAddressKey(username, address)] : [nameKey(username), addressKey(address)];
  const reservation = await reserveAttempt(db, keys, now);
  if (!reservation.ok) return { kind: "throttled", retryAt: reservation.retryAt, user };
  const matches = await verify(password, user?.passwordHash ?? (await dummyHash()));
  if (!user || user.disabledAt || !matches) return { kind: "wrong", user };
  await succeeded(db, [nameKey(username), knownAddressKey(username, address)], known ? [] : [addressKey(address)]);
  await rememberAddress(db, user.id, address, now);
  return { kind: "ok", user };
}

async function rememberAddress(db: Db, userId: number, address: string, now: Date) {
  await db.signInAddress.upsert({ where: { userId_address: { userId, address } }, create: { userId, address, lastSignInAt: now }, update: { lastSignInAt: now } });
  const keep = await db.signInAddress.findMany({ where: { userId }, orderBy: { lastSignInAt: "desc" }, take: KNOWN_PER_USER, select: { address: true } });
  await db.signInAddress.deleteMany({ where: { userId, OR: [{ address: { notIn: keep.map((k) => k.address) } }, { lastSignInAt: { lte: new Date(now.getTime() - KNOWN_DAYS * 86400_000) } }] } });
}

/** "请 N 分钟后再试": whole minutes, at least one. */
export const minutesUntil = (retryAt: Date, now: Date) => Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 60_000));
