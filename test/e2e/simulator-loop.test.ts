// A person watches a case go round the whole loop in the simulator, in a real Chromium: a resident's appeal,
// the unit's 签收 and 办结 in its work group, a fast-forward of the clock, the survey and its answer.
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { Clock } from "../../src/clock.ts";
import { fromRoot } from "../helpers/paths.ts";

let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  // The simulator's clock starts on a Monday morning (outside residents' quiet hours) and may be moved forward.
  const start = new Date("2026-11-02T10:00:00+08:00").getTime();
  svc = await startService({ NODE_ENV: "development" }, { clockControl: new Clock(start - Date.now(), true) });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function openChat(page: Page, name: string) {
  await page.locator("#chats li[data-i]", { hasText: name }).click();
}
async function send(page: Page, text: string) {
  await page.fill("#text", text);
  await page.getByRole("button", { name: "发送" }).click();
}
const lastBot = (page: Page) => page.locator(".msg.bot .bubble").last();

describe("the whole loop in the simulator", () => {
  it("goes from appeal to a satisfied resident", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${svc.url}/simulator`);
    await openChat(page, "阳光花园1-6号楼业主群");
    await send(page, "3号楼电梯坏了两天了，老人上下楼很困难");
    await expect.poll(() => lastBot(page).textContent()).toContain("工单号");
    const number = /\d{4}-\d{6}/.exec((await lastBot(page).textContent())!)![0];

    await openChat(page, "阳光花园物业工作群");
    await expect.poll(() => lastBot(page).textContent()).toContain(`【新工单】${number}`);
    await page.getByRole("button", { name: "签收" }).click();
    expect(await page.inputValue("#text")).toBe(`${number} 签收`);
    await page.getByRole("button", { name: "发送" }).click();
    await expect.poll(() => lastBot(page).textContent()).toContain(`已记录：工单 ${number} 已签收。`);
    await send(page, `${number} 已办结 已更换电梯门机板`);
    await expect.poll(() => lastBot(page).textContent()).toContain(`已记录：工单 ${number} 已办结。`);
    mkdirSync(fromRoot(".tmp/screenshots"), { recursive: true });
    await page.screenshot({ path: fromRoot(".tmp/screenshots/simulator-unit-room.png") });

    await openChat(page, "阳光花园1-6号楼业主群");
    await expect.poll(() => lastBot(page).textContent()).toContain("已更换电梯门机板");
    const before = await page.textContent("#now");
    await page.getByRole("button", { name: "+1 小时" }).click();
    await expect.poll(() => page.textContent("#now")).not.toBe(before);
    await expect.poll(() => lastBot(page).textContent()).toContain("是否满意");
    await page.getByRole("button", { name: "评价：满意" }).click();
    await page.getByRole("button", { name: "发送" }).click();
    await expect.poll(() => lastBot(page).textContent()).toContain("已结案");
    await page.screenshot({ path: fromRoot(".tmp/screenshots/simulator-loop.png") });

    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
    expect(kase).toMatchObject({ status: "closed", satisfaction: "satisfied", resolution: "已更换电梯门机板" });
    await page.close();
  });
});
