// The territorial list (属地) in a real Chromium: a case from the second street's group shows how its unit was found
// (detail and timeline), a case whose role nobody fills waits in 待审核 saying why, and the organisation page shows
// who fills each role in each street and community and names a new filler. Screenshots: /tmp/h2-case.png,
// /tmp/h2-review.png, /tmp/h2-roles.png.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { groupMessage, startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";

let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  svc = await startService();
  await createUser(svc.services.db, { username: "shudi", displayName: "属地管理员", role: "admin", password: "shudi-pass-123" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function signedIn(hash: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => void d.accept());
  await page.goto(`${svc.url}/console/${hash}`);
  await page.getByLabel("用户名").fill("shudi");
  await page.getByLabel("密码").fill("shudi-pass-123");
  await page.getByRole("button", { name: "登录" }).click();
  return { page, errors };
}

describe("the territorial list in the browser", () => {
  it("shows on a case how its unit was found, in the detail and on the timeline", async () => {
    const { body } = await svc.post("/api/channels/http/messages", groupMessage("@小民 一楼住户在院子里私搭乱建加盖了一间房", { chatId: "mingyue-owners", chatName: "明月苑业主群（HTTP 接入示例）" }));
    expect(body.case.leadUnit).toBe("明月街道综合行政执法队");
    const { page, errors } = await signedIn(`#/cases/${body.case.number}`);
    const facts = page.locator("dl.facts");
    await expect.poll(() => facts.textContent()).toContain("按属地：属地街道综合行政执法队 → 明月街道综合行政执法队（按 明月街道 确定）");
    expect(await facts.textContent()).toContain("按属地：小区物业 → 明月苑物业服务中心（按 明月社区 确定）");
    const timeline = page.locator("ol.timeline");
    expect(await timeline.textContent()).toContain("确定承办单位");
    expect(await timeline.textContent()).toContain("主责：属地街道综合行政执法队 → 明月街道综合行政执法队（按 明月街道 确定）");
    await page.screenshot({ path: "/tmp/h2-case.png", fullPage: true });
    expect(errors).toEqual([]);
  });

  it("keeps a case whose role nobody fills in 待审核 with the reason, and the organisation page names a filler", async () => {
    // 和平社区 has no 居委会 of its own in the demo data: a 社区事务 appeal there has nobody to go to.
    const db = svc.services.db;
    const heping = await db.area.findFirstOrThrow({ where: { name: "和平社区第一网格" } });
    await db.chatGroup.create({ data: { channel: "http", chatId: "heping-1", name: "和平社区居民群", gridId: heping.id } });
    const { body } = await svc.post("/api/channels/http/messages", groupMessage("@小民 想开一个居住证明需要带什么材料", { chatId: "heping-1", chatName: "和平社区居民群" }));
    expect(body.case).toMatchObject({ matterCode: "QT01", status: "needs_review", leadUnit: null });

    const { page, errors } = await signedIn("#/review");
    const card = page.locator(`.review-card[data-number="${body.case.number}"]`);
    await expect.poll(() => card.textContent()).toContain("主责单位未能确定：“和平社区第一网格”及其上级区域都没有指定“属地社区居委会”由哪个单位承担");
    await card.screenshot({ path: "/tmp/h2-review.png" });

    await page.goto(`${svc.url}/console/#/admin/org`);
    const roles = page.locator("section.roles");
    const committee = roles.locator('tr[data-role="属地社区居委会"]');
    await expect.poll(() => committee.textContent()).toContain("幸福社区居委会");
    expect(await committee.textContent()).toContain("明月社区居委会");
    expect(await committee.locator('td[data-label="和平社区"]').textContent()).toBe("未指定");
    // Inherited from the street: 和平社区's 派出所 is 阳光街道's.
    expect(await roles.locator('tr[data-role="属地派出所"] td[data-label="和平社区"]').textContent()).toBe("阳光派出所（沿用阳光街道）");

    // The community's committee is named here; the waiting case is confirmed and goes to it.
    const unit = await db.unit.create({ data: { name: "和平社区居委会", kind: "committee", areaId: heping.parentId } });
    await page.reload();
    await roles.locator('tr[data-role="属地社区居委会"]').waitFor();
    await roles.getByLabel("角色", { exact: true }).selectOption({ label: "属地社区居委会" });
    await roles.getByLabel("区域", { exact: true }).selectOption({ label: "社区 · 和平社区" });
    await roles.getByLabel("承办单位", { exact: true }).selectOption({ label: "和平社区居委会" });
    await roles.getByRole("button", { name: "承担" }).click();
    await expect.poll(() => roles.locator('tr[data-role="属地社区居委会"] td[data-label="和平社区"]').textContent()).toBe("和平社区居委会");
    // The page's own view of the card, below the console's fixed bar.
    await page.evaluate("window.scrollTo(0, document.querySelector('section.roles').getBoundingClientRect().top + window.scrollY - 56)");
    await page.screenshot({ path: "/tmp/h2-roles.png" });
    expect(await db.areaRoleUnit.count({ where: { areaId: heping.parentId!, unitId: unit.id } })).toBe(1);
    expect(errors).toEqual([]);
  });

  it("shows roles in the list editor and offers them beside the units", async () => {
    const { page, errors } = await signedIn("#/admin/list?q=DT01");
    const row = page.locator('tr[data-code="DT01"]');
    await expect.poll(() => row.textContent()).toContain("小区物业");
    expect(await row.textContent()).toMatch(/属地 · \d+ 处指定/);
    await row.getByRole("button", { name: "编辑" }).click();
    const lead = page.locator('select[name="lead"]');
    expect(await lead.inputValue()).toMatch(/^r:\d+$/);
    expect(await lead.locator("optgroup").evaluateAll((gs) => gs.map((g) => g.getAttribute("label")))).toEqual(["属地角色（按诉求所在区域确定单位）", "固定单位"]);
    expect(errors).toEqual([]);
  });
});
