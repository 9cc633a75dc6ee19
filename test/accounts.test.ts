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

describe("a worker's scope", () => {
  it("sees and acts on their grid's cases only; another grid's case is not found", async () => {
    const db = svc.services.db;
    const grid1 = await db.area.findFirstOrThrow({ where: { name: "幸福社区第一网格" } });
    const mine = await createUser(db, { username: "grid1", displayName: "一网格网格员", role: "worker", gridIds: [grid1.id] });
    const s = await login("grid1", mine.password);

    // One appeal in each grid, through the simulator's groups (each group belongs to a grid).
    const ask = (chatId: string, text: string, id: string) =>
      svc.services.intake.receive({ channel: "simulator", messageId: id, chatId, isGroup: true, senderId: `r-${id}`, text, mentionsBot: true }, new Date());
    const inMine = (await ask("sim-yangguang-1", "@小民 小区门口的垃圾两天没人收了，臭得不行", "s1")).case!.number;
    const inOther = (await ask("sim-xingfu-2", "@小民 小区门口的垃圾两天没人收了，臭得不行", "s2")).case!.number;

    const list = await call("GET", "/api/cases?pageSize=100", { cookie: s.cookie });
    expect(list.status).toBe(200);
    const numbers = list.body.cases.map((c: any) => c.number);
    expect(numbers).toContain(inMine);
    expect(numbers).not.toContain(inOther);
    expect((await call("GET", `/api/cases/${inMine}`, { cookie: s.cookie })).status).toBe(200);
    expect((await call("GET", `/api/cases/${inOther}`, { cookie: s.cookie })).status).toBe(404);
    expect((await call("POST", `/api/cases/${inOther}/actions`, { cookie: s.cookie, csrf: s.csrf, body: { action: "note", text: "看看" } })).status).toBe(404);

    // Acting needs the CSRF token, and is recorded as this person.
    expect((await call("POST", `/api/cases/${inMine}/actions`, { cookie: s.cookie, body: { action: "note", text: "已电话联系环卫" } })).status).toBe(403);
    const ok = await call("POST", `/api/cases/${inMine}/actions`, { cookie: s.cookie, csrf: s.csrf, body: { action: "note", text: "已电话联系环卫" } });
    expect(ok.status).toBe(200);
    const event = await db.caseEvent.findFirstOrThrow({ where: { case: { number: inMine }, type: "internal_note" } });
    expect(event).toMatchObject({ actor: "worker", actorId: `user:${mine.user.id}`, note: "已电话联系环卫" });

    // So is the export.
    const csv = await fetch(`${svc.url}/api/cases/export.csv`, { headers: { cookie: s.cookie } });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs to read UTF-8
    const text = bytes.toString("utf8");
    expect(text).toContain("工单号,状态,事项");
    expect(text).toContain(inMine);
    expect(text).not.toContain(inOther);

    // KPIs are scoped the same way.
    const kpis = await call("GET", "/api/kpis?groupBy=grid", { cookie: s.cookie });
    expect(kpis.body.rows.map((r: any) => r.group)).toEqual(["幸福社区第一网格"]);
  });
});

describe("the session cookie behind a reverse proxy", () => {
  let proxied: TestService;
  beforeAll(async () => {
    proxied = await startService({ PUBLIC_URL: "https://minhu.example.gov.cn", TRUST_PROXY: "true" });
    await createUser(proxied.services.db, { username: "proxy-admin", displayName: "管理员", role: "admin", password: "proxy-admin-pass" });
  });
  afterAll(async () => proxied?.close());
  const login = (headers: Record<string, string>) =>
    fetch(`${proxied.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ username: "proxy-admin", password: "proxy-admin-pass" }) });

  it("is Secure when the proxy says the browser came over HTTPS, and still works over plain HTTP", async () => {
    const viaHttps = await login({ "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7" });
    expect(viaHttps.status).toBe(200);
    expect(viaHttps.headers.get("set-cookie")).toMatch(/;\s*secure/i);
    // An https PUBLIC_URL reached over plain http (before the proxy is set up) signs in rather than failing.
    const direct = await login({});
    expect(direct.status).toBe(200);
    expect(direct.headers.get("set-cookie")).not.toMatch(/;\s*secure/i);
  });
});
