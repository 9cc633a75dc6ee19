// Console accounts: scrypt passwords, session cookies, CSRF, roles, disabling, and the command that creates one.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { hashPassword, verifyPassword } from "../src/auth/passwords.ts";
import { createUser } from "../src/auth/users.ts";

let svc: TestService;
let adminPassword = "";
let workerPassword = "";

beforeAll(async () => {
  svc = await startService();
  adminPassword = (await createUser(svc.services.db, { username: "admin", displayName: "管理员", role: "admin" })).password;
  workerPassword = (await createUser(svc.services.db, { username: "wangge1", displayName: "网格员小李", role: "worker" })).password;
});
afterAll(async () => {
  await svc.close();
});

async function call(method: string, path: string, opts: { body?: unknown; cookie?: string; csrf?: string } = {}) {
  const res = await fetch(svc.url + path, {
    method,
    headers: { "content-type": "application/json", ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.csrf ? { "x-csrf-token": opts.csrf } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, setCookie: res.headers.get("set-cookie") ?? "" };
}

async function login(username: string, password: string) {
  const res = await call("POST", "/api/auth/login", { body: { username, password } });
  return { ...res, cookie: res.setCookie.split(";")[0], csrf: res.body?.csrfToken as string };
}

describe("passwords", () => {
  it("are scrypt hashes that verify only the right password", async () => {
    const h = await hashPassword("正确的密码");
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(h).not.toContain("正确的密码");
    expect(await verifyPassword("正确的密码", h)).toBe(true);
    expect(await verifyPassword("错误的密码", h)).toBe(false);
  });
});

describe("signing in", () => {
  it("sets an httpOnly SameSite=Strict session cookie and returns a CSRF token", async () => {
    const s = await login("wangge1", workerPassword);
    expect(s.status).toBe(200);
    expect(s.body.user).toMatchObject({ username: "wangge1", role: "worker" });
    expect(s.setCookie).toMatch(/minhu_session=/);
    expect(s.setCookie.toLowerCase()).toContain("httponly");
    expect(s.setCookie.toLowerCase()).toContain("samesite=strict");
    const me = await call("GET", "/api/auth/me", { cookie: s.cookie });
    expect(me.body.user.displayName).toBe("网格员小李");
  });

  it("refuses a wrong password in Chinese, and slows down guessing", async () => {
    const bad = await login("admin", "wrong");
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toBe("用户名或密码错误");
    for (let i = 0; i < 4; i++) await login("admin", "wrong");
    const locked = await login("admin", adminPassword);
    expect(locked.status).toBe(429);
  });

  it("needs the CSRF token for changes, and logging out ends the session", async () => {
    const s = await login("wangge1", workerPassword);
    expect((await call("POST", "/api/auth/logout", { cookie: s.cookie })).status).toBe(403);
    expect((await call("POST", "/api/auth/logout", { cookie: s.cookie, csrf: s.csrf })).status).toBe(204);
    expect((await call("GET", "/api/auth/me", { cookie: s.cookie })).status).toBe(401);
  });
});

describe("accounts", () => {
  it("are created and disabled by administrators only", async () => {
    const worker = await login("wangge1", workerPassword);
    expect((await call("POST", "/api/users", { cookie: worker.cookie, csrf: worker.csrf, body: { username: "x1", displayName: "某人", role: "worker" } })).status).toBe(403);

    // The admin was locked out by the guessing test above; a second administrator does the work.
    const second = await createUser(svc.services.db, { username: "admin2", displayName: "管理员二", role: "admin" });
    const admin = await login("admin2", second.password);
    const created = await call("POST", "/api/users", { cookie: admin.cookie, csrf: admin.csrf, body: { username: "wangge2", displayName: "网格员小王", role: "worker", gridIds: [3] } });
    expect(created.status).toBe(201);
    expect(created.body.password).toHaveLength(16);
    const dup = await call("POST", "/api/users", { cookie: admin.cookie, csrf: admin.csrf, body: { username: "wangge2", displayName: "重复", role: "worker" } });
    expect(dup.status).toBe(409);

    const newcomer = await login("wangge2", created.body.password);
    expect(newcomer.status).toBe(200);
    await call("PATCH", `/api/users/${created.body.id}`, { cookie: admin.cookie, csrf: admin.csrf, body: { disabled: true } });
    expect((await call("GET", "/api/auth/me", { cookie: newcomer.cookie })).status).toBe(401);
    expect((await login("wangge2", created.body.password)).status).toBe(401);
  });

  it("can be created from the command line, with the password printed once", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "src/cli/createUser.ts", "--username", "cliadmin", "--name", "值班管理员", "--role", "admin"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: svc.services.config.DATABASE_URL },
    });
    expect(out).toContain("已创建账号 cliadmin（管理员）");
    expect(out.trim().split("\n").at(-1)).toMatch(/^[A-Za-z2-9]{16}$/);
  });
});
