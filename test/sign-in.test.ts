// Signing in under attack: guesses in parallel, waiting a little, a stranger keeping someone out, names probed by
// timing or by the throttle's answers, password spraying from one address, and a table flooded with names.
// The service runs behind a (pretend) reverse proxy: TRUST_PROXY, the client's address in X-Forwarded-For.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { FakeClock, MINUTE } from "./helpers/clock.ts";
import { createUser } from "../src/auth/users.ts";
import { checkPassword } from "../src/auth/signIn.ts";
import { hashPassword } from "../src/auth/passwords.ts";
import { MAX_ROWS, nameKey, reserveAttempt } from "../src/auth/throttle.ts";

const clock = new FakeClock("2026-12-01T02:00:00Z");
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ TRUST_PROXY: "true" }, { clock: clock.now });
});
afterAll(async () => svc?.close());

let n = 0;
/** A fresh account for one test, so each test stands alone. */
async function account(prefix: string) {
  const username = `${prefix}-${++n}`;
  const password = `${prefix}-right-password-${n}`;
  const { user } = await createUser(svc.services.db, { username, displayName: "管理员", role: "admin", password });
  return { username, password, id: user.id };
}

async function login(username: string, password: string, from: string) {
  const res = await fetch(`${svc.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": from },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { error?: { message: string } };
  return { status: res.status, message: body.error?.message ?? "", retryAfter: res.headers.get("retry-after") };
}

const wait = (minutes: number) => `登录尝试过于频繁，请 ${minutes} 分钟后再试`;

describe("guessing a password", () => {
  it("in parallel counts every guess: of 40 sent at once five are checked, and then the right password is refused too", async () => {
    const admin = await account("parallel");
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => login(admin.username, `guess-${i}`, "203.0.113.10")));
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(35);
    const right = await login(admin.username, admin.password, "203.0.113.10");
    expect(right).toMatchObject({ status: 429, message: wait(1) });
    // From another address the name is closed as well: the count belongs to the name, not to one client.
    expect((await login(admin.username, admin.password, "203.0.113.11")).status).toBe(429);
  });

  it("is not let through by waiting a little, and each failure after the fifth doubles the wait, up to 15 minutes", async () => {
    const admin = await account("waiting");
    const from = "203.0.113.20";
    for (let i = 0; i < 5; i++) expect((await login(admin.username, "wrong", from)).status).toBe(401);
    const closed = await login(admin.username, admin.password, from);
    expect(closed).toMatchObject({ status: 429, message: wait(1), retryAfter: "60" });
    clock.advance(30_000);
    expect(await login(admin.username, admin.password, from)).toMatchObject({ status: 429, message: wait(1) });

    // Once the wait is over one guess is checked, and the next wait is longer: 2, 4, 8, then 15 minutes at most.
    let waited = 1;
    for (const next of [2, 4, 8, 15, 15, 15]) {
      clock.advance(waited * MINUTE);
      expect((await login(admin.username, "wrong-again", from)).status).toBe(401);
      expect(await login(admin.username, admin.password, from)).toMatchObject({ status: 429, message: wait(next) });
      clock.advance(next * MINUTE - 1000);
      expect((await login(admin.username, admin.password, from)).status).toBe(429);
      clock.advance(1000);
      waited = 0;
    }
    // The wait is a delay, never a lock: after it, the right password signs in.
    expect((await login(admin.username, admin.password, from)).status).toBe(200);
  });

  it("by a stranger elsewhere does not keep the person out of an address they have signed in from, however long it goes on", { timeout: 90_000 }, async () => {
    const admin = await account("known");
    const office = "198.51.100.7";
    expect((await login(admin.username, admin.password, office)).status).toBe(200);
    // Three hours of a stranger trying again the moment each wait ends, from a new address each time.
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 6; i++) await login(admin.username, `guess-${round}-${i}`, `203.0.113.${30 + round}`);
      expect((await login(admin.username, admin.password, "192.0.2.1")).status).toBe(429); // a new address waits
      expect((await login(admin.username, admin.password, office)).status).toBe(200); // the office does not
      clock.advance(15 * MINUTE);
    }
    // At the office the person's own mistakes still count (five, then the waits), just apart from the stranger's.
    for (let i = 0; i < 5; i++) expect((await login(admin.username, "typo", office)).status).toBe(401);
    expect(await login(admin.username, admin.password, office)).toMatchObject({ status: 429, message: wait(1) });
  });

  it("cannot claim a known address by putting it in front of X-Forwarded-For: the proxy's own (last) entry counts", async () => {
    const admin = await account("spoof");
    expect((await login(admin.username, admin.password, "198.51.100.8")).status).toBe(200);
    for (let i = 0; i < 5; i++) await login(admin.username, "guess", "203.0.113.70");
    expect((await login(admin.username, admin.password, "198.51.100.8, 203.0.113.71")).status).toBe(429);
    expect((await login(admin.username, admin.password, "203.0.113.71, 198.51.100.8")).status).toBe(200);
  });
});

describe("one address trying many names (password spraying)", () => {
  it("waits after 20 failures, whatever the names; someone who signed in from there before is not held up", async () => {
    const from = "203.0.113.90";
    const colleague = await account("colleague");
    expect((await login(colleague.username, colleague.password, from)).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await login(`sprayed-${n}-${i}`, "Summer2026!", from)).status).toBe(401);
    expect(await login(`sprayed-${n}-20`, "Summer2026!", from)).toMatchObject({ status: 429, message: wait(1) });
    const newcomer = await account("newcomer");
    expect((await login(newcomer.username, newcomer.password, from)).status).toBe(429);
    expect((await login(colleague.username, colleague.password, from)).status).toBe(200);
  });
});

describe("names cannot be probed", () => {
  it("an unknown or disabled name is checked with the same scrypt work as a real one, against a dummy hash", async () => {
    const real = await account("probe");
    const disabled = await account("probe-disabled");
    await svc.services.db.user.update({ where: { id: disabled.id }, data: { disabledAt: clock.now() } });
    const checked: string[] = [];
    const verify = async (_password: string, stored: string) => {
      checked.push(stored);
      return false;
    };
    const attempt = (username: string) => checkPassword({ db: svc.services.db, verify }, { username, password: "guess", address: "203.0.113.100" }, clock.now());
    expect((await attempt(real.username)).kind).toBe("wrong");
    expect((await attempt(`nobody-${n}`)).kind).toBe("wrong");
    expect((await attempt(disabled.username)).kind).toBe("wrong");
    expect(checked).toHaveLength(3);
    const params = (h: string) => h.split("$").slice(0, 4).join("$");
    const realHash = (await svc.services.db.user.findUniqueOrThrow({ where: { id: real.id } })).passwordHash;
    expect(checked[0]).toBe(realHash);
    expect(params(checked[1])).toBe(params(await hashPassword("x"))); // scrypt$32768$8$1: the same cost
    expect(checked[1]).not.toBe(realHash);
    expect(checked[2]).toBe((await svc.services.db.user.findUniqueOrThrow({ where: { id: disabled.id } })).passwordHash);
  });

  it("an unknown name is refused and then throttled exactly like a real one", async () => {
    const real = await account("enumerate");
    const ghost = `ghost-${n}`;
    const answers = async (username: string, from: string) => {
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push(await login(username, "guess", from));
      return seen.map((r) => [r.status, r.message]);
    };
    expect(await answers(ghost, "203.0.113.110")).toEqual(await answers(real.username, "203.0.113.111"));
  });
});

describe("the failure table", () => {
  it("stays bounded after 10,000 names are tried, and a name being guessed at keeps its count", { timeout: 120_000 }, async () => {
    const db = svc.services.db;
    const now = clock.now();
    const target = nameKey(`target-${++n}`);
    for (let i = 0; i < 5; i++) await reserveAttempt(db, [target], now);
    expect(await reserveAttempt(db, [target], now)).toMatchObject({ ok: false });
    for (let i = 0; i < 10_000; i++) await reserveAttempt(db, [nameKey(`flood-${n}-${i}`)], now);
    expect(await db.signInThrottle.count()).toBeLessThanOrEqual(MAX_ROWS);
    expect(await reserveAttempt(db, [target], now)).toMatchObject({ ok: false });
    // A day later every row has expired; the next new name clears them out.
    clock.advance(24 * 60 * MINUTE + 1000);
    await reserveAttempt(db, [nameKey(`after-${n}`)], clock.now());
    expect(await db.signInThrottle.count()).toBe(1);
  });
});
