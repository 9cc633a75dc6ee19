// The web simulator in a real headless Chromium: a person picks a group, sends an appeal, and sees the bot's
// @mention reply with the case number and the lead unit.
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { fromRoot } from "../helpers/paths.ts";

let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  svc = await startService();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

describe("simulator page", () => {
  it("shows an appeal, the bot's reply and the case card", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    await page.goto(`${svc.url}/simulator`);
    await expect.poll(() => page.locator("#chats li").count()).toBeGreaterThan(2);
    await page.locator("#chats li", { hasText: "阳光花园1-6号楼业主群" }).click();
    await page.selectOption("#resident", "sim-resident-1");
    await page.getByRole("button", { name: "电梯坏了" }).click();
    await page.getByRole("button", { name: "发送" }).click();

    const reply = page.locator(".msg.bot").last();
    await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toContain("工单号");
    const text = (await reply.textContent())!;
    expect(text).toContain("@张阿姨");
    expect(text).toContain("阳光花园物业服务中心");
    expect(text).toContain("电梯故障");
    expect(await page.locator(".msg.me .bubble").last().textContent()).toContain("3号楼电梯坏了两天了");

    const number = /\d{4}-\d{6}/.exec(text)![0];
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { matter: true } });
    expect(kase.matter?.code).toBe("DT01");

    mkdirSync(fromRoot(".tmp/screenshots"), { recursive: true });
    await page.screenshot({ path: fromRoot(".tmp/screenshots/simulator.png") });
    await page.close();
  });

  it("works in a private chat, where the reply mentions nobody", async () => {
    const page = await browser.newPage();
    await page.goto(`${svc.url}/simulator`);
    await page.locator("#chats li", { hasText: "王女士 与 小民 的私聊" }).click();
    await expect.poll(() => page.locator("#mention").isVisible()).toBe(false);
    await page.fill("#text", "养老保险断缴了几年，现在怎么补缴");
    await page.keyboard.press("Enter");
    const reply = page.locator(".msg.bot").last();
    await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toContain("区人力资源和社会保障局");
    expect(await reply.textContent()).not.toContain("@");
    expect(await page.locator(".msg.me .sender").last().textContent()).toBe("王女士");
    await page.close();
  });
});
