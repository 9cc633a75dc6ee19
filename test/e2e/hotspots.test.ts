// The 热点 page in a real Chromium: a grid worker sees the hotspot the nightly pass found in their building, with
// its cases, the month's recurring problems drawn by ECharts and listed, turns the hotspot into a proactive task,
// and a worker of another grid sees none of it. E2E_SCREENSHOTS=dir keeps a picture of the page (hotspots.png).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { cst, DAY, FakeClock } from "../helpers/clock.ts";
import { createUser } from "../../src/auth/users.ts";
import { createApiToken } from "../../src/http/apiTokens.ts";
import { runFollowUp } from "../../src/services.ts";

const clock = new FakeClock(cst("2026-11-02T10:00"));
let svc: TestService;
let browser: Browser;
const numbers: string[] = [];
const LAMPS = ["3号楼楼下的路灯不亮了", "3号楼门口路灯又坏了，晚上看不见路", "3号楼那边的路灯一闪一闪的"];

beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
  const db = svc.services.db;
  const token = (await createApiToken(db, { name: "网格员系统", role: "worker" })).token;
  // The streetlight of 3号楼 fails three times in a week, each time fixed the same day.
  for (const [i, text] of LAMPS.entries()) {
    clock.set(new Date(cst("2026-11-02T10:00").getTime() + i * 3 * DAY));
    const r = await svc.services.intake.receive({ channel: "simulator", messageId: `e2e-hot-${i}`, chatId: "sim-yangguang-1", isGroup: true, senderId: `e2e-hot-${i}`, text: `@小民 ${text}`, mentionsBot: true }, clock.now());
    numbers.push(r.case!.number);
    await svc.post(`/api/cases/${r.case!.number}/actions`, { action: "resolve", text: "已修复" }, { authorization: `Bearer ${token}` });
  }
  clock.set(cst("2026-11-09T03:00"));
  await runFollowUp(svc.services); // the nightly pass
  clock.set(cst("2026-11-09T09:00"));
  const grid = (name: string) => db.area.findFirstOrThrow({ where: { level: "grid", name } });
  await createUser(db, { username: "wang", displayName: "王网格员", role: "worker", gridIds: [(await grid("幸福社区第一网格")).id], password: "grid-one-pass" });
  await createUser(db, { username: "zhao", displayName: "赵网格员", role: "worker", gridIds: [(await grid("和平社区第一网格")).id], password: "grid-other-pass" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function signedIn(username: string, password: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${svc.url}/console/`);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator(".top nav").waitFor();
  return { page, errors };
}

describe("the 热点 page", () => {
  it("shows a grid worker the building's hotspot with its cases and the month's recurring problems, and turns it into a proactive task", async () => {
    const { page, errors } = await signedIn("wang", "grid-one-pass");
    await page.getByRole("link", { name: "热点" }).click();
    const row = page.locator("table.hotspots tbody tr");
    await expect.poll(() => row.count()).toBe(1);
    const text = await row.textContent();
    expect(text).toContain("幸福社区 3号楼");
    expect(text).toContain("路灯不亮");
    expect(text).toContain("反复出现");
    for (const n of numbers) expect(await row.getByRole("link", { name: n, exact: true }).getAttribute("href")).toBe(`#/cases/${n}`);
    expect(text).not.toContain("http");
    // The chart is drawn (a canvas inside the chart box) and the table lists the month.
    await expect.poll(() => page.locator("#hotspot-chart canvas").count()).toBeGreaterThan(0);
    expect(await page.locator("table.kpi-table tbody").textContent()).toContain("2026-11幸福社区路灯不亮3");
    if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/hotspots.png`, fullPage: true });

    await row.getByRole("button", { name: "转为主动任务" }).click();
    await expect.poll(() => row.getByRole("link", { name: /^主动任务 \d{4}-\d{6}$/ }).count()).toBe(1);
    const task = (await row.getByRole("link", { name: /^主动任务/ }).textContent())!.replace("主动任务 ", "");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: task } });
    expect(kase).toMatchObject({ origin: "proactive", residentId: null, status: "dispatched" });
    await row.getByRole("link", { name: /^主动任务/ }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe(`工单 ${task}`);
    expect(await page.locator(".facts").textContent()).toContain("未诉先办");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a worker of another grid no hotspot and no recurring problem", async () => {
    const { page, errors } = await signedIn("zhao", "grid-other-pass");
    await page.goto(`${svc.url}/console/#/hotspots?status=all`);
    await expect.poll(() => page.locator("h1").textContent()).toBe("热点（0）");
    expect(await page.locator("main").textContent()).toContain("所选月份没有反复出现的问题");
    expect(await page.locator("table.hotspots").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
