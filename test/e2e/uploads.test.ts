// An administrator previews a list with more problems than the console lists: the first 100 in the table, the
// count in the summary, and a line saying how many are not listed; and a file over the row limit, refused at once.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";
import { csvOf, sampleMatter, sampleRows } from "../../src/cli/sampleList.ts";

let svc: TestService;
let browser: Browser;
let dir = "";

beforeAll(async () => {
  svc = await startService();
  await createUser(svc.services.db, { username: "uploader", displayName: "清单管理员", role: "admin", password: "uploader-pass-123" });
  dir = mkdtempSync(path.join(os.tmpdir(), "minhu-uploads-"));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function listPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${svc.url}/console/#/admin/list`);
  await page.getByLabel("用户名").fill("uploader");
  await page.getByLabel("密码").fill("uploader-pass-123");
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator("table.matters").waitFor();
  return page;
}

describe("importing a file with many problems", () => {
  it("lists the first 100 problems and says how many more there are", async () => {
    const file = path.join(dir, "坏清单.csv");
    // 150 rows, each without its response limit.
    writeFileSync(file, csvOf(sampleRows(150, (i) => sampleMatter(i).map((c, j) => (j === 7 ? "" : c)))));
    const page = await listPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.getByLabel("选择清单文件").setInputFiles(file);
    await page.getByRole("button", { name: "预览变化" }).click();
    const preview = page.getByLabel("导入预览");
    await preview.waitFor();
    expect(await preview.locator(".stat", { hasText: "问题" }).locator("b").textContent()).toBe("150");
    expect(await preview.locator(".errors tbody tr").count()).toBe(100);
    expect(await preview.locator(".errors p.error").textContent()).toContain("文件有 150 处问题");
    expect(await preview.locator(".errors .unlisted").textContent()).toBe("还有 50 处问题未列出（先改正以上各处，再预览一次）");
    expect(await page.getByRole("button", { name: "确认导入" }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("says at once that a file over 5,000 rows is refused", async () => {
    const file = path.join(dir, "大清单.csv");
    writeFileSync(file, csvOf(sampleRows(5001)));
    const page = await listPage();
    await page.getByLabel("选择清单文件").setInputFiles(file);
    await page.getByRole("button", { name: "预览变化" }).click();
    await expect.poll(() => page.locator("#toast").textContent(), { timeout: 30_000 }).toMatch(/^文件超过 5000 行/);
    expect(await page.getByLabel("导入预览").count()).toBe(0);
    await page.close();
  });
});
