// An administrator keeps service places in a real Chromium: the seeded places with their hours and services, a
// change of the canteen's hours that the bot answers with at once, and an import with a bad row refused whole.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { cst, FakeClock } from "../helpers/clock.ts";
import { createUser } from "../../src/auth/users.ts";

let svc: TestService;
let browser: Browser;
const clock = new FakeClock(cst("2026-09-30T09:00"));

beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
  await createUser(svc.services.db, { username: "placeadmin", displayName: "场所管理员", role: "admin", password: "place-pass-123" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

describe("service places in the browser", () => {
  it("shows the places, changes the canteen's Wednesday hours (the bot answers with them), and refuses a bad file whole", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${svc.url}/console/#/admin/places`);
    await page.getByLabel("用户名").fill("placeadmin");
    await page.getByLabel("密码").fill("place-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "服务场所" }).first().click();
    const canteen = page.locator('section[data-place="XF-CANTEEN"]');
    await canteen.waitFor();
    expect(await canteen.textContent()).toContain("周三 11:00-12:30、17:00-18:00");
    expect(await canteen.textContent()).toContain("12元/餐，80岁以上8元/餐");
    expect(await page.locator("section.place").count()).toBe(6);

    await canteen.getByRole("button", { name: "编辑" }).click();
    await canteen.getByLabel("周三开放时间").fill("10:45-12:30、17:00-18:00");
    await canteen.getByRole("button", { name: "保存" }).click();
    await expect.poll(() => page.locator("#toast").textContent()).toContain("已保存");
    await page.locator('section[data-place="XF-CANTEEN"]', { hasText: "周三 10:45-12:30" }).waitFor();
    const asked = await svc.post("/api/channels/http/messages", { messageId: "e2e-places-1", chatId: "e2e-private", senderId: "e2e-r", text: "老年食堂今天几点开门" });
    expect(asked.body.outcome).toBe("place_info");
    expect(asked.body.replies[0].text).toContain("10:45-12:30");

    // A file with one good and two bad rows: the problems, and nothing written.
    const dir = mkdtempSync(path.join(os.tmpdir(), "places-e2e-"));
    const file = path.join(dir, "places.csv");
    writeFileSync(file, ["编码,名称,类型,地址,所属区域,周一", "E2E-OK,好的场所,其他,某路1号,幸福社区,09:00-10:00", "E2E-BAD,坏的场所,游乐场,某路2号,幸福社区,", "E2E-BAD2,时间错的场所,其他,某路3号,火星社区,10:00-09:00"].join("\n"));
    await page.getByText("从 CSV / Excel 文件导入").click();
    await page.getByLabel("选择场所文件").setInputFiles(file);
    await page.getByRole("button", { name: "预览" }).click();
    const problems = page.locator("#place-import-problems");
    await problems.waitFor();
    const shown = await problems.textContent();
    expect(shown).toContain("文件有 3 处问题，整个文件不会导入");
    expect(shown).toContain("第 3 行（类型）");
    expect(shown).toContain("第 4 行（所属区域）：区域“火星社区”不存在");
    expect(shown).toContain("第 4 行（周一）");
    expect(await svc.services.db.servicePlace.count({ where: { code: { startsWith: "E2E-" } } })).toBe(0);

    await page.screenshot({ path: "/tmp/places.png", fullPage: false });
    expect(errors).toEqual([]);
  });
});
