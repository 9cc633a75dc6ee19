// An administrator keeps the volunteers in a real Chromium: the seeded register, an appeal offered to the first
// grid's volunteers and claimed for 王志强 by phone with the task's button, the month's ranking, and imports (the
// volunteers' and the 党员中心户') with bad rows refused whole with each row's problem.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { cst, FakeClock } from "../helpers/clock.ts";
import { createUser } from "../../src/auth/users.ts";

let svc: TestService;
let browser: Browser;
const clock = new FakeClock(cst("2026-10-12T10:00"));

beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
  await createUser(svc.services.db, { username: "voladmin", displayName: "志愿者管理员", role: "admin", password: "vol-pass-123" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

describe("the volunteers page in the browser", () => {
  it("shows the register, claims an offered task for a volunteer, ranks the month, and refuses a bad file whole", async () => {
    // A 志愿者可认领 appeal in the first grid, and a task 李红 finished this month.
    const opened = await svc.services.intake.receive(
      { channel: "simulator", messageId: "e2e-vol-1", chatId: "sim-yangguang-1", isGroup: true, senderId: "e2e-r", senderName: "居民", text: "@小民 我们楼有个独居老人好几天没见出门了，没人照顾", mentionsBot: true },
      clock.now(),
    );
    const number = opened.case!.number;
    expect(opened.case!.status).toBe("accepted");
    const li = await svc.services.db.volunteer.findFirstOrThrow({ where: { name: "李红" } });
    const doneCase = await svc.services.intake.receive(
      { channel: "simulator", messageId: "e2e-vol-2", chatId: "sim-yangguang-1", isGroup: true, senderId: "e2e-r2", senderName: "居民", text: "@小民 5号楼独居老人需要有人帮忙助餐", mentionsBot: true },
      clock.now(),
    );
    await svc.services.db.volunteerTask.update({ where: { caseId: (await svc.services.db.case.findUniqueOrThrow({ where: { number: doneCase.case!.number } })).id }, data: { status: "done", volunteerId: li.id, doneAt: clock.now(), hours: 2 } });

    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.setDefaultTimeout(8000);
    await page.goto(`${svc.url}/console/#/admin/volunteers`);
    await page.getByLabel("用户名").fill("voladmin");
    await page.getByLabel("密码").fill("vol-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "志愿者" }).first().click();
    await page.locator('tr[data-volunteer="李红"]').waitFor();
    expect(await page.locator("table.volunteers tbody tr").count()).toBe(3);
    expect(await page.locator('tr[data-volunteer="李红"]').textContent()).toContain("买菜、取药、陪诊");
    expect(await page.locator('label[data-matter="YL02"] input').isChecked()).toBe(true);
    expect(await page.locator(".ranking").textContent()).toContain("李红 2 小时 · 1 件");
    expect(await page.locator('li[data-household="张建国家（党员中心户）"]').textContent()).toContain("9号楼、10号楼");

    // The offered task: only the first grid's volunteers to choose from; claimed for 王志强.
    const task = page.locator(`tr[data-task="${number}"]`);
    expect(await task.textContent()).toContain("待认领");
    const choices = await task.locator("select option").allTextContents();
    expect(choices).toEqual(["选择志愿者", "李红", "王志强"]);
    await task.locator("select").selectOption({ label: "王志强" });
    await task.getByRole("button", { name: "认领" }).click();
    await page.locator(`tr[data-task="${number}"]`, { hasText: "已认领" }).waitFor();
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { volunteerTask: { include: { volunteer: true } } } });
    expect(kase.status).toBe("in_progress");
    expect(kase.volunteerTask?.volunteer?.name).toBe("王志强");

    // A file with one good and two bad rows: every problem shown, nobody added.
    const dir = mkdtempSync(path.join(os.tmpdir(), "volunteers-e2e-"));
    const file = path.join(dir, "volunteers.csv");
    writeFileSync(file, ["姓名,电话,网格,渠道,聊天账号,党员", "赵好人,13900000001,幸福社区第一网格,,,是", ",13900000002,幸福社区第一网格,,,否", "钱不对,abc,火星网格,simulator,,也许"].join("\n"));
    await page.getByLabel("志愿者名册文件").setInputFiles(file);
    await page.getByLabel("志愿者名册文件").locator("..").getByRole("button", { name: "导入" }).click();
    const problems = page.getByLabel("志愿者名册问题");
    await problems.locator("li").first().waitFor();
    const shown = await problems.textContent();
    expect(shown).toContain("第 3 行（姓名）");
    expect(shown).toContain("第 4 行（电话）");
    expect(shown).toContain("第 4 行（党员）");
    expect(await svc.services.db.volunteer.count({ where: { name: "赵好人" } })).toBe(0);

    // The 党员中心户 file: a bad building refused with its row; fixed, the household is added with both buildings.
    const households = path.join(dir, "households.csv");
    writeFileSync(households, ["户名,电话,联系户数,网格,楼栋,渠道,聊天账号,备注", "李卫东家,13900000009,24,幸福社区第一网格,1号楼、99号楼,,,联系1号楼"].join("\n"));
    await page.getByLabel("党员中心户名册文件").setInputFiles(households);
    await page.getByLabel("党员中心户名册文件").locator("..").getByRole("button", { name: "导入" }).click();
    await expect.poll(() => page.getByLabel("党员中心户名册问题").textContent()).toBe("第 2 行（楼栋）：幸福社区第一网格没有楼栋“99号楼”");
    writeFileSync(households, ["户名,电话,联系户数,网格,楼栋,渠道,聊天账号,备注", "李卫东家,13900000009,24,幸福社区第一网格,1号楼、2号楼,,,联系1号楼"].join("\n"));
    await page.getByLabel("党员中心户名册文件").setInputFiles(households);
    await page.getByLabel("党员中心户名册文件").locator("..").getByRole("button", { name: "导入" }).click();
    await page.locator('li[data-household="李卫东家"]').waitFor();
    expect(await page.locator('li[data-household="李卫东家"]').textContent()).toContain("联系 24 户 · 1号楼、2号楼");

    await page.screenshot({ path: "/tmp/volunteers.png", fullPage: true });

    // A visit told on the phone, recorded for 张建国家 on a case in 9号楼: the case's timeline shows it as a visit.
    const ninth = await svc.services.intake.receive(
      { channel: "simulator", messageId: "e2e-vol-3", chatId: "sim-xingfu-2", isGroup: true, senderId: "e2e-r3", senderName: "居民", text: "@小民 9号楼楼道灯坏了好几天", mentionsBot: true },
      clock.now(),
    );
    const zhang = page.locator('li[data-household="张建国家（党员中心户）"]');
    await zhang.getByLabel("张建国家（党员中心户） 的工单号").fill(ninth.case!.number);
    await zhang.getByLabel("张建国家（党员中心户） 的备注").fill("已上门查看，灯罩脱落");
    // The worker goes to the case before the server's answer arrives: the volunteers page, reloaded after the
    // answer, must not be drawn over the case.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    await page.route("**/api/admin/households/*/notes", async (route) => {
      const response = await route.fetch();
      await answered;
      await route.fulfill({ response });
    });
    await zhang.getByRole("button", { name: "记录走访" }).click();
    await expect.poll(async () => (await svc.services.db.caseEvent.count({ where: { type: "household_visit" } }))).toBe(1);
    await page.goto(`${svc.url}/console/#/cases/${ninth.case!.number}`);
    const visit = page.locator("ol.timeline li.visit");
    await visit.waitFor();
    answer();
    // The action's toast comes after its reload would have drawn.
    await page.locator("#toast", { hasText: "已记录走访" }).waitFor();
    expect(await page.locator("h1", { hasText: "志愿者与党员中心户" }).count()).toBe(0);
    expect(await visit.textContent()).toContain("党员中心户走访 · 张建国家（党员中心户）已上门查看，灯罩脱落");
    expect(errors).toEqual([]);
  });
});
