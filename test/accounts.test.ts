// Console accounts: scrypt passwords, session cookies, CSRF, roles, disabling, generated passwords that must be
// replaced, changing one's password, an administrator's reset, and the commands that create and reset one.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { hashPassword, passwordProblem, verifyPassword } from "../src/auth/passwords.ts";
import { createUser } from "../src/auth/users.ts";
import { ROOT } from "./helpers/paths.ts";

let svc: TestService;

beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc.close();
});

let n = 0;
/** A fresh account with a password of the test's choosing (so it need not be changed first). */
async function account(role: "admin" | "worker", prefix: string = role) {
  const username = `${prefix}-${++n}`;
  const password = `${prefix}-pass-${n}-ok`;
  const { user } = await createUser(svc.services.db, { username, displayName: role === "admin" ? "管理员" : "网格员小李", role, password });
  return { username, password, id: user.id };
}

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

/** A command's output; throws when it fails. Not execFileSync: a blocked event loop misses the server closing idle
 * keep-alive sockets, and the next fetch meets ECONNRESET. */
function cli(script: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ["--import", "tsx", `src/cli/${script}`, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, DATABASE_URL: svc.services.config.DATABASE_URL } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    child.stdin!.end(input ?? "");
  });
}

describe("passwords", () => {
  it("are scrypt hashes that verify only the right password", async () => {
    const h = await hashPassword("正确的密码");
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(h).not.toContain("正确的密码");
    expect(await verifyPassword("正确的密码", h)).toBe(true);
    expect(await verifyPassword("错误的密码", h)).toBe(false);
  });

  it("chosen by people are at least 10 characters and not the user name", () => {
    expect(passwordProblem("short-1", "wang")).toBe("新密码至少 10 位");
    expect(passwordProblem("wangwang01", "WangWang01")).toBe("新密码不能与用户名相同");
    expect(passwordProblem("aaaaaaaaaaaa", "wang")).toBe("新密码过于简单");
    expect(passwordProblem("社区网格员的长密码一二", "wang")).toBeNull();
  });
});

describe("signing in", () => {
  it("sets an httpOnly SameSite=Strict session cookie and returns a CSRF token", async () => {
    const worker = await account("worker");
    const s = await login(worker.username, worker.password);
    expect(s.status).toBe(200);
    expect(s.body.user).toMatchObject({ username: worker.username, role: "worker", mustChangePassword: false });
    expect(s.setCookie).toMatch(/minhu_session=/);
    expect(s.setCookie.toLowerCase()).toContain("httponly");
    expect(s.setCookie.toLowerCase()).toContain("samesite=strict");
    const me = await call("GET", "/api/auth/me", { cookie: s.cookie });
    expect(me.body.user.displayName).toBe("网格员小李");
  });

  it("refuses a wrong password in Chinese, and slows down guessing", async () => {
    const admin = await account("admin");
    const bad = await login(admin.username, "wrong");
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toBe("用户名或密码错误");
    for (let i = 0; i < 4; i++) await login(admin.username, "wrong");
    const locked = await login(admin.username, admin.password);
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toBe("登录尝试过于频繁，请 1 分钟后再试");
  });

  it("needs the CSRF token for changes, and logging out ends the session", async () => {
    const worker = await account("worker");
    const s = await login(worker.username, worker.password);
    expect((await call("POST", "/api/auth/logout", { cookie: s.cookie })).status).toBe(403);
    expect((await call("POST", "/api/auth/logout", { cookie: s.cookie, csrf: s.csrf })).status).toBe(204);
    expect((await call("GET", "/api/auth/me", { cookie: s.cookie })).status).toBe(401);
  });
});

describe("accounts", () => {
  it("are created and disabled by administrators only", async () => {
    const someone = await account("worker");
    const worker = await login(someone.username, someone.password);
    expect((await call("POST", "/api/users", { cookie: worker.cookie, csrf: worker.csrf, body: { username: "x1", displayName: "某人", role: "worker" } })).status).toBe(403);

    const creator = await account("admin");
    const admin = await login(creator.username, creator.password);
    const created = await call("POST", "/api/users", { cookie: admin.cookie, csrf: admin.csrf, body: { username: `wangge-${n}`, displayName: "网格员小王", role: "worker", gridIds: [3] } });
    expect(created.status).toBe(201);
    expect(created.body.password).toHaveLength(16);
    const dup = await call("POST", "/api/users", { cookie: admin.cookie, csrf: admin.csrf, body: { username: `wangge-${n}`, displayName: "重复", role: "worker" } });
    expect(dup.status).toBe(409);

    const newcomer = await login(created.body.username, created.body.password);
    expect(newcomer.status).toBe(200);
    await call("PATCH", `/api/users/${created.body.id}`, { cookie: admin.cookie, csrf: admin.csrf, body: { disabled: true } });
    expect((await call("GET", "/api/auth/me", { cookie: newcomer.cookie })).status).toBe(401);
    expect((await login(created.body.username, created.body.password)).status).toBe(401);
  });

  it("with a generated password do nothing before the person sets their own", async () => {
    const { user, password } = await createUser(svc.services.db, { username: `generated-${++n}`, displayName: "新网格员", role: "worker" });
    const s = await login(user.username, password);
    expect(s.status).toBe(200);
    expect(s.body.user.mustChangePassword).toBe(true);
    const refused = await call("GET", "/api/cases", { cookie: s.cookie });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ id: "password_change_required", message: "请先修改初始密码" });
    expect((await call("GET", "/api/auth/me", { cookie: s.cookie })).body.user.mustChangePassword).toBe(true);

    const own = "我自己选的新密码-2026";
    expect((await call("POST", "/api/auth/password", { cookie: s.cookie, csrf: s.csrf, body: { currentPassword: password, newPassword: own } })).status).toBe(200);
    expect((await call("GET", "/api/cases", { cookie: s.cookie })).status).toBe(200);
    expect((await call("GET", "/api/auth/me", { cookie: s.cookie })).body.user.mustChangePassword).toBe(false);
  });
});

describe("changing one's own password", () => {
  it("needs the current password and a good new one, ends the person's other sessions, and the old password stops working", async () => {
    const me = await account("worker", "changer");
    const here = await login(me.username, me.password);
    const elsewhere = await login(me.username, me.password);
    const change = (body: unknown, csrf = here.csrf) => call("POST", "/api/auth/password", { cookie: here.cookie, csrf, body });
    const fresh = "一个足够长的新密码-42";

    expect((await change({ currentPassword: me.password, newPassword: fresh }, "")).status).toBe(403); // CSRF
    const wrongCurrent = await change({ currentPassword: "not-my-password", newPassword: fresh });
    expect(wrongCurrent.status).toBe(400); // not 401: the page must not take it for a sign-out
    expect(wrongCurrent.body.error.message).toBe("当前密码不正确");
    expect((await change({ currentPassword: me.password, newPassword: "short" })).body.error.message).toBe("新密码至少 10 位");
    expect((await change({ currentPassword: me.password, newPassword: me.username })).status).toBe(400);
    expect((await change({ currentPassword: me.password, newPassword: me.password })).body.error.message).toBe("新密码不能与当前密码相同");

    const ok = await change({ currentPassword: me.password, newPassword: fresh });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, sessionsEnded: 1 });
    expect((await call("GET", "/api/auth/me", { cookie: elsewhere.cookie })).status).toBe(401);
    expect((await call("GET", "/api/auth/me", { cookie: here.cookie })).status).toBe(200);
    expect((await login(me.username, me.password)).status).toBe(401);
    expect((await login(me.username, fresh)).status).toBe(200);
  });
});

describe("an administrator's reset", () => {
  it("gives a new password shown once, ends the person's sessions, lets them in past earlier failures, and they must replace it", async () => {
    const admin = await account("admin", "resetter");
    const worker = await account("worker", "forgetful");
    const boss = await login(admin.username, admin.password);
    const session = await login(worker.username, worker.password);
    for (let i = 0; i < 5; i++) await login(worker.username, "forgot-it");
    expect((await login(worker.username, worker.password)).status).toBe(429);

    const asWorker = await call("POST", `/api/users/${admin.id}/password`, { cookie: session.cookie, csrf: session.csrf });
    expect(asWorker.status).toBe(403);
    expect((await call("POST", `/api/users/${worker.id}/password`, { cookie: boss.cookie })).status).toBe(403); // CSRF
    expect((await call("POST", `/api/users/${admin.id}/password`, { cookie: boss.cookie, csrf: boss.csrf })).status).toBe(400); // not one's own
    expect((await call("POST", "/api/users/999999/password", { cookie: boss.cookie, csrf: boss.csrf })).status).toBe(404);

    const reset = await call("POST", `/api/users/${worker.id}/password`, { cookie: boss.cookie, csrf: boss.csrf });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ id: worker.id, username: worker.username, sessionsEnded: 1 });
    expect(reset.body.password).toMatch(/^[A-Za-z2-9]{16}$/);
    expect((await call("GET", "/api/auth/me", { cookie: session.cookie })).status).toBe(401);
    expect((await login(worker.username, worker.password)).status).toBe(401);
    const back = await login(worker.username, reset.body.password);
    expect(back.status).toBe(200);
    expect(back.body.user.mustChangePassword).toBe(true);
    // The list shows who still has to set their own.
    const users = (await call("GET", "/api/users", { cookie: boss.cookie })).body.users;
    expect(users.find((u: any) => u.id === worker.id)).toMatchObject({ mustChangePassword: true });
  });
});

describe("the command line", () => {
  it("creates an account, with the password printed once", async () => {
    const out = await cli("createUser.ts", ["--username", `cliadmin-${++n}`, "--name", "值班管理员", "--role", "admin"]);
    expect(out).toContain(`已创建账号 cliadmin-${n}（管理员）`);
    expect(out.trim().split("\n").at(-1)).toMatch(/^[A-Za-z2-9]{16}$/);
  });

  it("resets a password: a generated one printed once, or one read from standard input; sessions end either way", async () => {
    const admin = await account("admin", "cli-reset");
    const s = await login(admin.username, admin.password);
    const out = await cli("setPassword.ts", [admin.username]);
    const generated = out.trim().split("\n").at(-1)!;
    expect(generated).toMatch(/^[A-Za-z2-9]{16}$/);
    expect(out).toContain("结束了 1 个会话");
    expect((await call("GET", "/api/auth/me", { cookie: s.cookie })).status).toBe(401);
    expect((await login(admin.username, generated)).body.user.mustChangePassword).toBe(true);

    const chosen = "运维从标准输入给的密码-7";
    expect(await cli("setPassword.ts", [admin.username, "--stdin"], `${chosen}\n`)).toContain(`已为 ${admin.username} 设置新密码`);
    expect((await login(admin.username, generated)).status).toBe(401);
    const after = await login(admin.username, chosen);
    expect(after.status).toBe(200);
    expect(after.body.user.mustChangePassword).toBe(false);
    await expect(cli("setPassword.ts", [admin.username, "--stdin"], "too-short\n")).rejects.toThrow();
    await expect(cli("setPassword.ts", [`nobody-${n}`])).rejects.toThrow();
  });
});

describe("a worker's scope", () => {
  it("sees and acts on their grid's cases only; another grid's case is not found", async () => {
    const db = svc.services.db;
    const grid1 = await db.area.findFirstOrThrow({ where: { name: "幸福社区第一网格" } });
    const mine = await createUser(db, { username: "grid1", displayName: "一网格网格员", role: "worker", gridIds: [grid1.id], password: "grid-one-pass-1" });
    const s = await login("grid1", "grid-one-pass-1");

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
