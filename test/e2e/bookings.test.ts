// The 预约 page in a real Chromium: a worker sees the bookings residents made in the chat, confirms one, moves another
// to a new time with a word to the resident, and the residents are told. A screenshot is kept at /tmp/bookings.png.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { cst, FakeClock } from "../helpers/clock.ts";
import { createUser } from "../../src/auth/users.ts";

const clock = new FakeClock(cst("2026-11-26T10:00"));
let svc: TestService;
let browser: Browser;
const numbers: string[] = [];

beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
  for (const [i, text] of ["预约下周二上午的家政保洁", "帮我约12月3日上午9点的助浴"].entries()) {
    const { body } = await svc.post("/api/channels/http/messages", { messageId: `e2e-book-${i}`, chatId: `e2e-book-chat-${i}`, senderId: `e2e-book-${i}`, text });
    numbers.push(/YY2026-\d{6}/.exec(body.replies[0].text)![0]);
  }
  await createUser(svc.services.db, { username: "li", displayName: "李网格员", role: "worker", password: "bookings-pass" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

describe("the 预约 page", () => {
  it("lists the bookings, confirms one and moves another, telling the residents", async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${svc.url}/console/`);
    await page.getByLabel("用户名").fill("li");
    await page.getByLabel("密码").fill("bookings-pass");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "预约" }).click();
    const rows = page.locator("table.bookings tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const cleaning = rows.filter({ hasText: numbers[0] });
    await expect.poll(() => cleaning.textContent()).toContain("家政保洁");

    await cleaning.getByRole("button", { name: "确认" }).click();
    await expect.poll(() => rows.filter({ hasText: numbers[0] }).locator(".pill").textContent()).toBe("已确认");

    const bath = rows.filter({ hasText: numbers[1] });
    await bath.getByLabel(`${numbers[1]} 说明`).fill("周四上午人手不足");
    await bath.getByLabel(`${numbers[1]} 新时间`).fill("2026-12-04T14:00");
    await bath.getByRole("button", { name: "改约" }).click();
    await expect.poll(() => rows.filter({ hasText: numbers[1] }).textContent()).toContain("建议改到");
    await page.screenshot({ path: "/tmp/bookings.png", fullPage: true });

    const db = svc.services.db;
    expect(await db.serviceRequest.findUniqueOrThrow({ where: { number: numbers[1] } })).toMatchObject({ status: "proposed", proposedAt: cst("2026-12-04T14:00") });
    const told = await db.outbox.findFirstOrThrow({ where: { chatId: "e2e-book-chat-1", kind: "booking_propose" } });
    expect(told.text).toContain("建议改到 12月4日周五 14:00（周四上午人手不足）");
    expect(await db.outbox.count({ where: { chatId: "e2e-book-chat-0", kind: "booking_confirm" } })).toBe(1);
    expect(errors).toEqual([]);
  });
});
