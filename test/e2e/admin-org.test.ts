// An administrator maps a group to another grid, gives a unit a work group and changes a setting in a real
// Chromium; each takes effect on the next message, without a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { groupMessage, startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";

let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  svc = await startService();
  await createUser(svc.services.db, { username: "orgadmin", displayName: "组织管理员", role: "admin", password: "org-pass-123" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

describe("organisation in the browser", () => {
  it("remaps a group, adds a unit's work group and changes the trigger prefixes", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${svc.url}/console/#/admin/org`);
    await page.getByLabel("用户名").fill("orgadmin");
    await page.getByLabel("密码").fill("org-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "组织与设置" }).click();
    await page.locator('tr[data-group="yangguang-owners"]').waitFor();

    // The HTTP demo group moves to the second grid.
    await page.getByLabel("阳光花园业主群（HTTP 接入示例） 所属网格").selectOption({ label: "幸福社区第二网格" });
    await expect.poll(() => page.locator("#toast").textContent()).toContain("已改所属网格");
    const db = svc.services.db;
    const number = (await svc.post("/api/channels/http/messages", groupMessage("@小民 3号楼电梯坏了"))).body.case.number;
    expect((await db.case.findUniqueOrThrow({ where: { number }, include: { grid: true } })).grid?.name).toBe("幸福社区第二网格");

    // The street lamp office gets a work group in the simulator.
    const unit = page.locator('li[data-unit="区市政设施管理中心"]');
    await unit.locator("summary").click();
    await unit.getByLabel("联系方式类型").selectOption("room");
    await unit.getByLabel("联系方式渠道").selectOption("simulator");
    await unit.getByLabel("联系地址").fill("sim-lamps-work");
    await unit.getByRole("button", { name: "添加" }).click();
    await expect.poll(async () => (await db.unitContact.findMany({ where: { address: "sim-lamps-work" } })).length).toBe(1);
    // The page draws itself again after a change: go on once it shows the new contact.
    await page.locator('li[data-unit="区市政设施管理中心"]', { hasText: "sim-lamps-work" }).waitFor({ state: "attached" });

    // Messages starting with #报事 are for the bot from now on.
    await page.locator("#s-triggerPrefixes").fill("#诉求 #报事");
    await page.getByRole("button", { name: "保存设置" }).click();
    await expect.poll(() => page.locator("#toast").textContent()).toContain("群内触发前缀");
    const heard = await svc.post("/api/channels/http/messages", groupMessage("#报事 北门路灯不亮了，晚上很黑", { mentionsBot: false }));
    expect(heard.body.case.matterCode).toBe("SZ01");
    const sent = await db.outbox.findFirst({ where: { case: { number: heard.body.case.number }, kind: "unit_dispatch" } });
    expect(sent?.chatId).toBe("sim-lamps-work");
    // A new emergency rule answers the next message with its hotline.
    const rule = page.locator('.rule[data-rule="new"]');
    await rule.getByLabel("规则编码").fill("drowning");
    await rule.getByLabel("规则名称").fill("落水");
    await rule.getByLabel("求助电话").fill("110");
    await rule.getByLabel("关键词").fill("有人落水、掉进河里");
    await rule.getByLabel("安全提示").fill("请立即拨打 110，向落水者抛救生圈。");
    await rule.getByRole("button", { name: "新增规则" }).click();
    await page.locator('.rule[data-rule="drowning"]').waitFor();
    const emergency = await svc.post("/api/channels/http/messages", groupMessage("@小民 河边有人落水了"));
    expect(emergency.body.replies[0].text).toContain("救生圈");
    if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/org.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  it("changes what the bot answers, previewed with sample values, and puts the default back", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${svc.url}/console/#/admin/replies`);
    await page.getByLabel("用户名").fill("orgadmin");
    await page.getByLabel("密码").fill("org-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    const card = page.locator('section.reply[data-key="appeal_accepted"]');
    await card.waitFor();
    await card.getByLabel("appeal_accepted 文案").fill("收到！工单 {{case_number}} 已交{{lead_unit}}办理。");
    await card.locator("summary").click();
    await expect.poll(() => card.locator(".reply-preview").textContent()).toBe("收到！工单 2026-000123 已交阳光花园物业服务中心办理。");
    await card.getByLabel("appeal_accepted 修改说明").fill("更口语");
    await card.getByRole("button", { name: "保存" }).click();
    await expect.poll(() => card.locator(".pill").textContent()).toBe("已修改");
    const answer = (await svc.post("/api/channels/http/messages", groupMessage("@小民 9号楼电梯坏了"))).body.replies[0].text;
    expect(answer).toMatch(/^收到！工单 \d{4}-\d{6} 已交/);
    if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/replies-phone.png` });
    await card.getByRole("button", { name: "恢复默认" }).click();
    await expect.poll(() => card.locator(".pill").textContent()).toBe("默认");
    expect((await svc.post("/api/channels/http/messages", groupMessage("@小民 10号楼电梯坏了"))).body.replies[0].text).toContain("您反映的问题已受理");
    expect(errors).toEqual([]);
  });
});
