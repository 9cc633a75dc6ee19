// A street's administrator in a real Chromium: the organisation page shows their street at the top and none of the
// other street, without the city's pages; the KPI page ranks by street and by district; the city's administrator
// sees both streets under the district, and adds an area under the city.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { groupMessage, startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";

let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  svc = await startService();
  const db = svc.services.db;
  const street = await db.area.findFirstOrThrow({ where: { name: "阳光街道" } });
  await createUser(db, { username: "yg-e2e", displayName: "王主任", role: "admin", areaId: street.id, password: "yg-e2e-pass-1" });
  await createUser(db, { username: "city-e2e", displayName: "市管理员", role: "admin", password: "city-e2e-pass-1" });
  await svc.post("/api/channels/http/messages", groupMessage("@小民 北门路灯不亮了"));
  await svc.post("/api/channels/http/messages", groupMessage("@小民 3幢门口路灯不亮了", { chatId: "mingyue-owners" }));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function signedIn(username: string, password: string, hash: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => void d.accept("东湖区"));
  await page.goto(`${svc.url}/console/#${hash}`);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator(".top:not([hidden])").waitFor();
  return { page, errors };
}

describe("districts and streets in the browser", () => {
  it("a street's administrator keeps their street: no other street, no city-wide pages", async () => {
    const { page, errors } = await signedIn("yg-e2e", "yg-e2e-pass-1", "/admin/org");
    await page.locator('li[data-area="阳光街道"]').waitFor();
    await expect.poll(() => page.locator("#who").textContent()).toContain("阳光街道管理员");
    expect(await page.locator("h1").textContent()).toBe("组织（阳光街道）");
    expect(await page.locator('li[data-area="明月街道"]').count()).toBe(0);
    expect(await page.locator('li[data-unit="明月派出所"]').count()).toBe(0);
    expect(await page.locator('tr[data-group="mingyue-owners"]').count()).toBe(0);
    // Their street is renamed by the level above; what is below it is theirs.
    expect(await page.locator('li[data-area="阳光街道"] > .row').getByRole("button", { name: "改名" }).count()).toBe(0);
    expect(await page.locator('li[data-area="幸福社区"] > .row').getByRole("button", { name: "改名" }).count()).toBe(1);
    const tabs = await page.locator("nav.tabs a").allTextContents();
    expect(tabs).toEqual(["组织与设置", "服务场所", "志愿者", "账号"]);
    expect(await page.locator(".card.settings").count()).toBe(0);
    // A city-wide page asked for by its address is not shown.
    await page.goto(`${svc.url}/console/#/admin/prompts`);
    await page.locator("#view h1").waitFor();
    expect(await page.locator("nav.tabs").count()).toBe(0);

    await page.goto(`${svc.url}/console/#/kpi?period=all&groupBy=street`);
    await page.locator(".kpi-table tbody tr").first().waitFor();
    expect(await page.locator(".kpi-table tbody td:first-child").allTextContents()).toEqual(["阳光街道"]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the city's administrator sees both streets under the district, ranks them, and adds a district under the city", async () => {
    const { page, errors } = await signedIn("city-e2e", "city-e2e-pass-1", "/kpi?period=all&groupBy=street");
    await page.locator(".kpi-table tbody tr").nth(1).waitFor();
    expect((await page.locator(".kpi-table tbody td:first-child").allTextContents()).sort()).toEqual(["明月街道", "阳光街道"]);
    await page.getByLabel("排名维度").selectOption("district");
    await expect.poll(() => page.locator(".kpi-table tbody td:first-child").allTextContents()).toEqual(["新城区"]);

    await page.goto(`${svc.url}/console/#/admin/org`);
    const district = page.locator('li[data-area="新城区"]');
    await district.waitFor();
    expect(await district.locator('li[data-area="阳光街道"]').count()).toBe(1);
    expect(await district.locator('li[data-area="明月街道"]').count()).toBe(1);
    await page.locator('li[data-area="江南市"] > .row').getByRole("button", { name: "＋区" }).click();
    await page.locator('li[data-area="东湖区"]').waitFor();
    const added = await svc.services.db.area.findFirstOrThrow({ where: { name: "东湖区" }, include: { parent: true } });
    expect(added).toMatchObject({ level: "district", parent: { name: "江南市" } });
    expect(errors).toEqual([]);
    await page.close();
  });
});
