// Accounts and API tokens in a real Chromium: an administrator sees the tokens with when each was last used and
// revokes one, resets a worker's password (shown once); the worker signs in with it, can do nothing before
// setting their own, sets it, and is in. Screenshots with E2E_SCREENSHOTS=<folder>.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";
import { createApiToken } from "../../src/http/apiTokens.ts";

let svc: TestService;
let browser: Browser;
beforeAll(async () => {
  svc = await startService();
  await createUser(svc.services.db, { username: "accounts-boss", displayName: "李主任", role: "admin", password: "admin-pass-123" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function snap(page: Page, name: string) {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/accounts-${name}.png`, fullPage: true });
}

async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码", { exact: true }).fill(password);
  await page.getByRole("button", { name: "登录" }).click();
}

describe("the 账号 page", () => {
  it("lists API tokens with their last use and revokes one; a reset password is shown once and must be replaced at sign-in", async () => {
    const db = svc.services.db;
    const used = await createApiToken(db, { name: "12345平台", role: "worker" });
    const idle = await createApiToken(db, { name: "物业系统（旧）", role: "worker", days: 30 });
    await fetch(`${svc.url}/api/cases?pageSize=1`, { headers: { authorization: `Bearer ${used.token}` } });
    const worker = await createUser(db, { username: "accounts-wang", displayName: "王网格员", role: "worker", password: "worker-old-pass" });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${svc.url}/console/#/users`);
    await signIn(page, "accounts-boss", "admin-pass-123");
    const tokens = page.getByRole("region", { name: "API 令牌" });
    await tokens.locator("table.tokens").waitFor();
    const row = (id: number) => tokens.locator(`tr[data-id="${id}"]`);
    expect(await row(used.id).textContent()).not.toContain("从未使用");
    expect(await row(idle.id).textContent()).toContain("从未使用");
    await snap(page, "tokens");

    page.once("dialog", (d) => d.accept());
    await row(idle.id).getByRole("button", { name: "吊销" }).click();
    await expect.poll(() => row(idle.id).textContent()).toContain("已吊销");
    expect((await fetch(`${svc.url}/api/cases?pageSize=1`, { headers: { authorization: `Bearer ${idle.token}` } })).status).toBe(401);

    page.once("dialog", (d) => d.accept());
    await page.locator(`table.users tr[data-id="${worker.user.id}"]`).getByRole("button", { name: "重置密码" }).click();
    const once = page.locator(".created code.password");
    await once.waitFor();
    const password = (await once.textContent())!;
    expect(password).toMatch(/^[A-Za-z2-9]{16}$/);
    expect(await page.locator(`table.users tr[data-id="${worker.user.id}"]`).textContent()).toContain("待本人设置密码");
    await snap(page, "reset");
    // Shown once: the page opened again does not have it.
    await page.reload();
    await page.locator("table.users").waitFor();
    expect(await page.content()).not.toContain(password);

    const other = await browser.newPage({ viewport: { width: 390, height: 844 } });
    other.on("pageerror", (e) => pageErrors.push(e.message));
    await other.goto(`${svc.url}/console/#/cases`);
    await signIn(other, "accounts-wang", password);
    await other.getByRole("heading", { name: "请先设置自己的密码" }).waitFor();
    expect(await other.locator(".top nav").isHidden()).toBe(true);
    await snap(other, "must-change");
    await other.getByLabel("当前密码（系统生成的）").fill(password);
    await other.getByLabel("新密码", { exact: true }).fill("王网格员自己的新密码");
    await other.getByLabel("再输入一次新密码").fill("王网格员自己的新密码");
    await other.getByRole("button", { name: "保存新密码" }).click();
    await other.getByRole("heading", { name: /待审核/ }).waitFor();
    expect(await other.locator(".top nav").isVisible()).toBe(true);
    expect((await db.user.findUniqueOrThrow({ where: { id: worker.user.id } })).mustChangePassword).toBe(false);
    expect(pageErrors).toEqual([]);
  });
});
