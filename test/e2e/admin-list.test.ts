// An administrator replaces the responsibility list from an XLSX file in a real Chromium: opens 职责清单, uploads
// a sheet that changes one matter, adds one and removes one, reads the preview, gives a reason, applies, and sees
// the new version in the history; then edits one matter in the form.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import ExcelJS from "exceljs";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";

let svc: TestService;
let browser: Browser;
let dir = "";

beforeAll(async () => {
  svc = await startService();
  await createUser(svc.services.db, { username: "boss", displayName: "李主任", role: "admin", password: "admin-pass-123" });
  dir = mkdtempSync(path.join(os.tmpdir(), "minhu-list-"));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function snap(page: Page, name: string) {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/list-${name}.png`, fullPage: true });
}

/** The list as it is now, as the export writes it, with DT01 given to another unit, ZA02 left out and GX01 added. */
async function changedListFile(): Promise<string> {
  const matters = await svc.services.db.matter.findMany({ where: { active: true }, orderBy: { code: "asc" }, include: { leadUnit: true, leadRole: true, cooperatingUnits: { include: { unit: true } }, cooperatingRoles: { include: { role: true } } } });
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet("职责清单");
  sheet.addRow(["编码", "事项名称", "类别", "说明", "关键词", "主责单位", "配合单位", "响应时限", "办结时限", "示例诉求", "需定位"]);
  for (const m of matters) {
    if (m.code === "ZA02") continue;
    sheet.addRow([
      m.code, m.name, m.category, m.description, (m.keywords as string[]).join("、"),
      // Units and roles (属地) by name, as the list keeps them.
      m.code === "DT01" ? "区市场监督管理局" : (m.leadUnit ?? m.leadRole)?.name, [...m.cooperatingUnits.map((c) => c.unit.name), ...m.cooperatingRoles.map((c) => c.role.name)].sort().join("、"),
      m.responseHours, m.resolveDays, (m.examples as string[]).join("|"), m.needsLocation ? "是" : "否",
    ]);
  }
  sheet.addRow(["GX01", "共享单车乱停放", "停车", "", "共享单车、单车", "阳光街道城市管理办公室", "", 12, 3, "门口全是共享单车", "是"]);
  const file = path.join(dir, "新职责清单.xlsx");
  writeFileSync(file, Buffer.from(await wb.xlsx.writeBuffer()));
  return file;
}

describe("the responsibility list editor", () => {
  it("replaces the list from an XLSX file with a preview of the changes", async () => {
    const file = await changedListFile();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${svc.url}/console/#/users`);
    await page.getByLabel("用户名").fill("boss");
    await page.getByLabel("密码").fill("admin-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "职责清单" }).click();
    await page.locator("table.matters").waitFor();
    // DT01 is led by the role 小区物业 (属地), filled in each community that names a company.
    expect(await page.locator('table.matters tr[data-code="DT01"]').textContent()).toMatch(/小区物业属地 · \d+ 处指定/);
    await snap(page, "desktop");

    await page.getByLabel("选择清单文件").setInputFiles(file);
    await page.getByRole("button", { name: "预览变化" }).click();
    const preview = page.getByLabel("导入预览");
    await preview.waitFor();
    const stat = (label: string) => preview.locator(".stat", { hasText: label }).locator("b").textContent();
    expect([await stat("新增"), await stat("修改"), await stat("停用"), await stat("问题")]).toEqual(["1", "1", "1", "0"]);
    const text = await preview.textContent();
    expect(text).toContain("GX01 共享单车乱停放");
    expect(text).toContain("主责单位：小区物业 → 区市场监督管理局");
    expect(text).toContain("ZA02");
    await snap(page, "preview");

    // Nothing is written before the administrator confirms with a reason.
    expect(await svc.services.db.matter.findUnique({ where: { code: "GX01" } })).toBeNull();
    await page.getByLabel("导入原因").fill("电梯故障改由市场监管局主责，新增共享单车");
    page.once("dialog", (d) => d.accept()); // "将停用 1 个事项，确定导入吗？"
    await page.getByRole("button", { name: "确认导入" }).click();
    const latest = page.locator("table.versions tbody tr").first();
    await expect.poll(() => latest.textContent()).toContain("电梯故障改由市场监管局主责");
    expect(await latest.locator("td").allTextContents()).toEqual([expect.stringMatching(/^#\d+$/), expect.any(String), "李主任", "导入", "电梯故障改由市场监管局主责，新增共享单车", "1", "1", "1"]);
    expect(await page.locator('table.matters tr[data-code="DT01"]').textContent()).toContain("区市场监督管理局");

    const db = svc.services.db;
    expect(await db.matter.findUnique({ where: { code: "ZA02" } })).toMatchObject({ active: false });
    expect(await db.matter.findUnique({ where: { code: "GX01" } })).toMatchObject({ active: true, responseHours: 12 });
    expect(svc.services.reference.catalogue.byCode.get("DT01")?.leadUnit?.name).toBe("区市场监督管理局");
    await snap(page, "applied");

    // One matter edited in the form, with its reason.
    await page.locator('table.matters tr[data-code="GX01"]').getByRole("button", { name: "编辑" }).click();
    const form = page.locator("form.matter-form");
    await form.getByLabel("办结时限（工作日）").fill("2");
    await form.getByLabel("修改原因").fill("街道要求两天内处理");
    await snap(page, "edit");
    await form.getByRole("button", { name: "保存" }).click();
    await expect.poll(() => latest.textContent()).toContain("街道要求两天内处理");
    expect(await db.matter.findUnique({ where: { code: "GX01" } })).toMatchObject({ resolveDays: 2 });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("shows the list and its errors on a phone", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${svc.url}/console/#/admin/list`);
    await page.getByLabel("用户名").fill("boss");
    await page.getByLabel("密码").fill("admin-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    await page.locator("table.matters").waitFor();
    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, "编码,事项名称,主责单位,响应时限,办结时限\nB01,路灯不亮,阳光街道城市管理办公室,,3\nB01,又一个,阳光街道城市管理办公室,24,3\n");
    await page.getByLabel("选择清单文件").setInputFiles(bad);
    await page.getByRole("button", { name: "预览变化" }).click();
    const errors = page.getByLabel("导入预览").locator(".errors tbody tr");
    await expect.poll(() => errors.allTextContents()).toEqual(["第 2 行响应时限缺少响应时限", "第 3 行编码编码 B01 与第 2 行重复"]);
    expect(await page.getByRole("button", { name: "确认导入" }).count()).toBe(0);
    await snap(page, "phone-errors");
    await page.close();
  });

  it("shows which matters volunteers may claim, and marks one in the form", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${svc.url}/console/#/admin/list?q=YL0`);
    await page.getByLabel("用户名").fill("boss");
    await page.getByLabel("密码").fill("admin-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    await page.locator('table.matters tr[data-code="YL02"]').waitFor();
    expect(await page.locator("table.matters thead").textContent()).toContain("志愿者可认领");
    expect(await page.locator('table.matters tr[data-code="YL02"] td.claimable').textContent()).toBe("可认领");
    expect(await page.locator('table.matters tr[data-code="YL01"] td.claimable').textContent()).toBe("—");

    await page.locator('table.matters tr[data-code="YL01"]').getByRole("button", { name: "编辑" }).click();
    const form = page.locator("form.matter-form");
    expect(await form.getByLabel("志愿者可认领（先交本网格志愿者）").isChecked()).toBe(false);
    await form.getByLabel("志愿者可认领（先交本网格志愿者）").check();
    await form.getByLabel("修改原因").fill("养老补贴材料可由志愿者代办");
    await form.getByRole("button", { name: "保存" }).click();
    await expect.poll(() => page.locator('table.matters tr[data-code="YL01"] td.claimable').textContent()).toBe("可认领");
    expect(await svc.services.db.matter.findUnique({ where: { code: "YL01" } })).toMatchObject({ volunteerClaimable: true });
    await page.screenshot({ path: "/tmp/list-claimable.png", fullPage: false });
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
