// API tokens for other systems: they expire, can be revoked (console API and command line), and the list says
// when each was last used — without a write on every request, and never showing the token or its hash.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { callAs, signIn, type Session } from "./helpers/session.ts";
import { DAY, FakeClock } from "./helpers/clock.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { createUser } from "../src/auth/users.ts";

const clock = new FakeClock("2026-12-01T02:00:00Z");
let svc: TestService;
let admin: Session;
let worker: Session;
beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
  await createUser(svc.services.db, { username: "token-admin", displayName: "管理员", role: "admin", password: "token-admin-pass" });
  await createUser(svc.services.db, { username: "token-worker", displayName: "网格员", role: "worker", password: "token-worker-pass" });
});
// Signed in afresh for each test: a test that moves the clock on by days ends the sessions of the one before.
beforeEach(async () => {
  admin = await signIn(svc, "token-admin", "token-admin-pass");
  worker = await signIn(svc, "token-worker", "token-worker-pass");
});
afterAll(async () => svc?.close());

const withToken = (token: string) => fetch(`${svc.url}/api/cases?pageSize=1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
let n = 0;
const newToken = (days?: number) => createApiToken(svc.services.db, { name: `系统-${++n}`, role: "worker", days, now: clock.now() });
const listed = async (id: number) => ((await callAs(svc, admin, "GET", "/api/tokens")).body.tokens as any[]).find((t) => t.id === id);

describe("an API token", () => {
  it("answers 401 once it has expired (365 days unless made for fewer)", async () => {
    const { token, id, expiresAt } = await newToken(30);
    expect(expiresAt.getTime() - clock.now().getTime()).toBe(30 * DAY);
    expect((await newToken()).expiresAt.getTime() - clock.now().getTime()).toBe(365 * DAY);
    expect(await withToken(token)).toBe(200);
    clock.advance(30 * DAY - 1000);
    expect(await withToken(token)).toBe(200);
    clock.advance(1000);
    expect(await withToken(token)).toBe(401);
    admin = await signIn(svc, "token-admin", "token-admin-pass"); // the session from 30 days ago has ended
    expect(await listed(id)).toMatchObject({ status: "expired" });
  });

  it("answers 401 at once when an administrator revokes it; only administrators may, with the CSRF token", async () => {
    const { token, id } = await newToken();
    expect(await withToken(token)).toBe(200);
    expect((await callAs(svc, worker, "POST", `/api/tokens/${id}/revoke`)).status).toBe(403);
    expect((await callAs(svc, { ...admin, csrf: "" }, "POST", `/api/tokens/${id}/revoke`)).status).toBe(403);
    expect(await withToken(token)).toBe(200);
    const revoked = await callAs(svc, admin, "POST", `/api/tokens/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, name: `系统-${n}` });
    expect(await withToken(token)).toBe(401);
    expect(await listed(id)).toMatchObject({ status: "revoked", revokedAt: clock.now().toISOString() });
    expect((await callAs(svc, admin, "POST", "/api/tokens/999999/revoke")).status).toBe(404);
  });

  it("is listed with when it was last used, written at most once a minute; the list shows neither the token nor its hash", async () => {
    const { token, id } = await newToken();
    expect(await listed(id)).toMatchObject({ name: `系统-${n}`, role: "worker", unit: null, status: "active", lastUsedAt: null });
    const first = clock.now();
    await withToken(token);
    expect((await listed(id)).lastUsedAt).toBe(first.toISOString());
    clock.advance(30_000);
    await withToken(token);
    expect((await listed(id)).lastUsedAt).toBe(first.toISOString()); // not written again within the minute
    clock.advance(31_000);
    await withToken(token);
    expect((await listed(id)).lastUsedAt).toBe(clock.now().toISOString());

    const body = JSON.stringify((await callAs(svc, admin, "GET", "/api/tokens")).body);
    const row = await svc.services.db.apiToken.findUniqueOrThrow({ where: { id } });
    expect(body).not.toContain(row.tokenHash);
    expect(body).not.toContain(token);
    expect((await callAs(svc, worker, "GET", "/api/tokens")).status).toBe(403);
    // A token cannot manage tokens: the list is for signed-in administrators.
    expect((await fetch(`${svc.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it("is made, listed and revoked from the command line", async () => {
    // Not execFileSync: a blocked event loop misses the server closing idle keep-alive sockets (ECONNRESET).
    const run = async (script: string, ...args: string[]) =>
      (await promisify(execFile)(process.execPath, ["--import", "tsx", `src/cli/${script}`, ...args], { encoding: "utf8", env: { ...process.env, DATABASE_URL: svc.services.config.DATABASE_URL } })).stdout;
    const made = await run("createToken.ts", "--name", `命令行系统-${++n}`, "--role", "worker", "--days", "7");
    const token = made.trim().split("\n").at(-1)!;
    const id = Number(/已创建令牌 #(\d+)/.exec(made)![1]);
    expect(token).toMatch(/^mh_/);
    const row = await svc.services.db.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(7 * DAY);

    const list = await run("listTokens.ts");
    expect(list).toMatch(new RegExp(`#${id}\\t命令行系统-${n}\\t系统（工作人员）\\t.*\\t有效`));
    expect(list).not.toContain(token);
    expect(await run("revokeToken.ts", String(id))).toContain(`已吊销令牌 #${id}`);
    expect(await run("listTokens.ts")).toMatch(new RegExp(`#${id}\\t命令行系统-${n}.*\\t已吊销`));
    expect(await withToken(token)).toBe(401);
    await expect(run("createToken.ts", "--name", "x", "--role", "worker", "--days", "0")).rejects.toThrow();
  });
});
