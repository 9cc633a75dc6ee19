// A community worker's day in the console, in a real Chromium: sign in, clear the review queue by correcting the
// bot, follow the case through notes, 签收 and 办结, and see the grid's 三率 with charts; an administrator exports
// the month's KPIs to XLSX. The service runs on a fake clock so the survey can be answered within the test.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import ExcelJS from "exceljs";
import { groupMessage, startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { cst, FakeClock, HOUR } from "../helpers/clock.ts";
import { createUser } from "../../src/auth/users.ts";
import { runFollowUp } from "../../src/services.ts";

const clock = new FakeClock(cst("2026-11-02T10:00"));
let svc: TestService;
let browser: Browser;
let pool = "";
let lift = "";
let elsewhere = "";

beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
  const db = svc.services.db;
  const grid = await db.area.findFirstOrThrow({ where: { name: "幸福社区第一网格" } });
  await createUser(db, { username: "wang", displayName: "王网格员", role: "worker", gridIds: [grid.id], password: "grid-one-pass" });
  await createUser(db, { username: "boss", displayName: "李主任", role: "admin", password: "admin-pass-123" });
  pool = (await svc.post("/api/channels/http/messages", groupMessage("@小民 小区游泳池的水好几天没换了，又绿又浑", { senderId: "e2e-pool" }))).body.case.number;
  lift = (await svc.post("/api/channels/http/messages", groupMessage("@小民 3号楼电梯坏了两天了", { senderId: "e2e-lift" }))).body.case.number;
  // A case in another grid, which this worker must not see.
  const other = await svc.services.intake.receive(
    { channel: "simulator", messageId: "e2e-x", chatId: "sim-xingfu-2", isGroup: true, senderId: "x1", text: "@小民 8号楼门口路灯不亮了", mentionsBot: true },
    clock.now(),
  );
  elsewhere = other.case!.number;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

/** E2E_SCREENSHOTS=dir keeps pictures of the pages for a person to look at. */
async function snap(page: Page, name: string) {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/console-${name}.png`, fullPage: true });
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto(`${svc.url}/console/`);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
}

describe("the workers' console", () => {
  it("refuses a wrong password in Chinese", async () => {
    const page = await browser.newPage();
    await signIn(page, "wang", "wrong-password");
    await expect.poll(() => page.locator(".login .error").textContent()).toBe("用户名或密码错误");
    await page.close();
  });

  it("takes a worker through review, dispatch, notes, 办结 and the 三率", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone, out in the grid
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await signIn(page, "wang", "grid-one-pass");

    // The review queue holds the appeal the bot could not place.
    const card = page.locator(`.review-card[data-number="${pool}"]`);
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain("游泳池");
    await snap(page, "review-phone");

    // Correct it with the searchable picker: the list is searched on the server.
    await card.getByRole("button", { name: "更正事项…" }).click();
    await card.getByLabel("搜索事项").fill("物业服务");
    const choice = card.locator(".picker li button", { hasText: "物业服务质量" });
    await choice.waitFor();
    await choice.click();
    // 物业服务质量 is led by the role 小区物业: the picker says which unit that is at this case's place, and leaves
    // the unit to the server (no unit chosen) unless the worker picks another.
    await expect.poll(() => card.locator(".units-preview").textContent()).toBe("按属地：小区物业 → 阳光花园物业服务中心（按 幸福社区 确定）");
    expect(await card.getByLabel("主责单位").inputValue()).toBe("");
    await snap(page, "picker-phone");
    await card.getByRole("button", { name: "更正为" }).click();
    await expect.poll(() => page.locator(".empty").textContent()).toContain("待审核队列已清空");

    const db = svc.services.db;
    const corrected = await db.case.findUniqueOrThrow({ where: { number: pool }, include: { matter: true, leadUnit: true } });
    expect(corrected).toMatchObject({ status: "dispatched", matter: { code: "WY01" }, leadUnit: { name: "阳光花园物业服务中心" } });
    expect(await db.labelledExample.findUnique({ where: { caseId: corrected.id } })).toMatchObject({ matterCode: "WY01", source: "corrected" });

    // The case list shows the grid's cases only, and finds the case by a Chinese word.
    await page.goto(`${svc.url}/console/#/cases`);
    await page.locator("table.cases").waitFor();
    const listed = await page.locator("table.cases tbody tr").allTextContents();
    expect(listed.join()).toContain(lift);
    expect(listed.join()).not.toContain(elsewhere);
    await page.getByLabel("搜索").fill("游泳池");
    await page.getByRole("button", { name: "查询" }).click();
    await expect.poll(() => page.locator("table.cases tbody tr").count()).toBe(1);
    await page.locator("table.cases a", { hasText: pool }).click();

    // The detail: timeline, countdown, and the actions of a dispatched case.
    await page.locator(".timeline").waitFor();
    expect(await page.locator(".timeline").textContent()).toContain("居民消息");
    expect(await page.locator("[data-due]").count()).toBeGreaterThan(0);
    const note = async (text: string, isPublic: boolean) => {
      const form = page.locator("form", { has: page.getByPlaceholder("备注内容") });
      await form.getByPlaceholder("备注内容").fill(text);
      if (isPublic) await form.getByLabel("公开（告知居民）").check();
      await form.getByRole("button", { name: "添加备注" }).click();
      await expect.poll(() => page.locator(".timeline").textContent()).toContain(text);
    };
    await note("已电话联系物业经理", false);
    await note("物业已安排本周五更换池水", true);
    await page.getByRole("button", { name: "签收" }).click();
    await expect.poll(() => page.locator(".timeline").textContent()).toContain("签收 · 工作人员");
    await page.getByPlaceholder("办理结果（会告知居民）").fill("已更换池水并消毒");
    await page.getByRole("button", { name: "办结" }).click();
    await expect.poll(() => page.locator(".facts").textContent()).toContain("已办结");
    await snap(page, "detail-phone");

    const events = await db.caseEvent.findMany({ where: { caseId: corrected.id, actor: "worker" }, orderBy: { id: "asc" } });
    // units_resolved: the correction's units, found at the case's place (物业服务质量 is led by the role 小区物业).
    expect(events.map((e) => e.type)).toEqual(["units_resolved", "confirm", "internal_note", "public_note", "accept", "resolve"]);
    expect(new Set(events.map((e) => e.actorId))).toEqual(new Set([expect.stringMatching(/^user:\d+$/)]));
    // Only the public note reached the resident.
    const toResident = await db.outbox.findMany({ where: { caseId: corrected.id, kind: "progress" } });
    expect(toResident.map((m) => m.text).join()).toContain("物业已安排本周五更换池水");
    expect(toResident.map((m) => m.text).join()).not.toContain("物业经理");

    // The survey goes out an hour later and the resident is satisfied.
    clock.advance(2 * HOUR);
    await runFollowUp(svc.services);
    await svc.post("/api/channels/http/messages", groupMessage("@小民 满意", { senderId: "e2e-pool" }));
    expect((await db.case.findUniqueOrThrow({ where: { id: corrected.id } })).satisfaction).toBe("satisfied");

    // The grid's 三率, with charts drawn by ECharts.
    await page.goto(`${svc.url}/console/#/kpi?period=all`);
    await page.locator("#rank-chart canvas").waitFor();
    await page.locator("#trend-chart canvas").waitFor();
    const row = page.locator(".kpi-table tbody tr", { hasText: "阳光花园物业服务中心" });
    expect(await row.locator("td").allTextContents()).toEqual(expect.arrayContaining(["100.0%"]));
    expect(await page.locator(".defs").textContent()).toContain("满意率 = (满意 + 0.9 × 基本满意) / 已评价工单");
    expect(await page.locator(".kpi-table").textContent()).not.toContain("区市政设施管理中心"); // the other grid's lamp
    // A period of the worker's choosing, both days included (each change draws the page again).
    const hash = async () => new URL(page.url()).hash;
    await page.getByLabel("时段").selectOption("custom");
    await expect.poll(hash).toContain("period=custom");
    await page.getByLabel("开始日期").fill("2026-11-01");
    await expect.poll(hash).toContain("fromDay=2026-11-01");
    await page.getByLabel("结束日期（含）").fill("2026-11-01");
    await expect.poll(hash).toContain("toDay=2026-11-01");
    await expect.poll(() => page.locator(".kpi-table tbody tr").count()).toBe(0);
    await page.getByLabel("结束日期（含）").fill("2026-11-02");
    await expect.poll(hash).toContain("toDay=2026-11-02");
    await expect.poll(() => page.locator(".kpi-table").textContent()).toContain("阳光花园物业服务中心");
    await snap(page, "kpi-phone");
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("lets an administrator export the month's KPIs to XLSX", async () => {
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    await signIn(page, "boss", "admin-pass-123");
    await page.getByRole("link", { name: "考核评价" }).click();
    await page.locator("#rank-chart canvas").waitFor();
    await snap(page, "kpi-desktop");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Excel" }).click()]);
    expect(download.suggestedFilename()).toBe("考核评价-承办单位.xlsx");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(new Uint8Array(readFileSync((await download.path())!)).buffer);
    const sheet = wb.getWorksheet("考核评价")!;
    const groups = Array.from({ length: sheet.rowCount - 1 }, (_, i) => sheet.getRow(i + 2).getCell(1).value);
    expect(groups).toEqual(expect.arrayContaining(["阳光花园物业服务中心", "区市政设施管理中心"])); // every grid
    await page.close();
  });
});
