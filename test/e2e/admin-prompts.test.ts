// An administrator tunes the classification prompt in a real Chromium: edit and save a new version, see the diff,
// preview it on an appeal, evaluate it and the active version on the confirmed cases, activate it (a worse one
// would need a confirmation), and roll back in one click. The LLM is a local OpenAI-compatible stand-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { startFakeLlm, type FakeLlm } from "../helpers/fakeLlm.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";

const CONFIRMED: [string, string][] = [
  ["3号楼电梯停了两天", "DT01"],
  ["电梯门关不上，一直响", "DT01"],
  ["楼下垃圾桶满了没人清运", "HW01"],
  ["北门路灯坏了，晚上很黑", "SZ01"],
];

let llm: FakeLlm;
let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  llm = await startFakeLlm();
  // Reads carefully only when told to check word by word (逐字核对); otherwise calls everything 垃圾.
  llm.respond((body) => {
    const careful = (body.messages[0].content as string).includes("逐字核对");
    const appeal = body.messages.at(-1).content as string;
    const code = careful ? CONFIRMED.find(([t]) => appeal.includes(t))?.[1] ?? "none" : "HW01";
    return { kind: "json", body: { matter_code: code, urgency: "normal", confidence: 0.9, missing_info: [], rationale: careful ? "逐字核对后判断" : "粗略判断" } };
  });
  svc = await startService({ OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: "sk-test", LLM_MODEL: "stand-in", LLM_MAX_RETRIES: "0" });
  for (const [text, matterCode] of CONFIRMED) await svc.services.db.labelledExample.create({ data: { text, matterCode, source: "confirmed" } });
  await createUser(svc.services.db, { username: "tuner", displayName: "调优管理员", role: "admin", password: "tuner-pass-1" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
  await llm?.close();
});

async function evaluateShown(page: Page) {
  await page.getByRole("button", { name: "开始评测" }).click();
  await page.locator(".evaluation-summary").waitFor({ timeout: 15_000 });
  return page.locator(".evaluation-summary").textContent();
}

describe("tuning the prompt in the browser", () => {
  it("edits, previews, evaluates, activates and rolls back", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${svc.url}/console/`);
    await page.getByLabel("用户名").fill("tuner");
    await page.getByLabel("密码").fill("tuner-pass-1");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "管理" }).click();
    await page.locator("table.versions").waitFor();
    expect(await page.locator("main").textContent()).not.toContain("null");

    // The active version (v1, from the files) measured first, for comparison.
    expect(await evaluateShown(page)).toContain("准确率 25.0%");

    // Edit: a new version with a note; it is not active until activated.
    const system = page.getByLabel("系统提示", { exact: true });
    await system.fill(`${await system.inputValue()}\n请逐字核对诉求后再选择事项。`);
    await page.getByLabel("修改说明").fill("要求逐字核对");
    await page.getByRole("button", { name: "保存为新版本" }).click();
    await page.locator(".diff-card").waitFor();
    expect(await page.locator(".diff .add").allTextContents()).toEqual([expect.stringContaining("请逐字核对诉求后再选择事项。")]);
    expect(await page.locator('tr[data-version="2"]').textContent()).toContain("要求逐字核对");
    if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/prompts-diff.png`, fullPage: true });

    // Preview on one appeal: the parsed answer, the raw answer, the exact request.
    await page.getByLabel("预览诉求").fill("3号楼电梯停了两天，老人下不了楼");
    await page.getByRole("button", { name: "预览" }).click();
    await expect.poll(() => page.locator(".preview-parsed").textContent()).toContain("电梯故障（DT01）");
    expect(await page.locator(".raw-answer").textContent()).toContain('"matter_code":"DT01"');

    // Evaluate the candidate on the same confirmed cases.
    expect(await evaluateShown(page)).toContain("准确率 100.0%");
    if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/prompts-evaluated.png`, fullPage: true });

    // Better than the active one: activated without a question.
    await page.locator('tr[data-version="2"]').getByRole("button", { name: "启用" }).click();
    await expect.poll(() => page.locator('tr[data-version="2"]').textContent()).toContain("使用中");
    expect(dialogs).toEqual([]);
    expect((await svc.services.prompts.active()).versionId).toBe(2);

    // Roll back to v1 in one click.
    await page.locator('tr[data-version="1"]').getByRole("button", { name: "回滚到此版本" }).click();
    await expect.poll(() => page.locator('tr[data-version="1"]').textContent()).toContain("使用中");
    expect(dialogs).toEqual([]);
    expect((await svc.services.prompts.active()).versionId).toBe(1);

    // A third version, never evaluated, needs an explicit yes.
    await page.getByLabel("修改说明").fill("未评测的改动");
    await page.getByRole("button", { name: "保存为新版本" }).click();
    await page.locator('tr[data-version="3"]').waitFor();
    await page.locator('tr[data-version="3"]').getByRole("button", { name: "启用" }).click();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0]).toContain("没有在同一评测集上评测过");
    await expect.poll(() => page.locator('tr[data-version="3"]').textContent()).toContain("使用中");
    expect(errors).toEqual([]);
  });
});
