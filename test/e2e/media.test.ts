// Photos, voice messages and location pins in a real Chromium: a resident sends them through the simulator, a
// worker sees them on the case (the photo loads and enlarges, the pin opens a map, the voice plays and is written
// down), an administrator sees the 渠道 card and edits the new settings, and the simulator page sends a photo.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import QRCode from "qrcode";
import { startService, type TestService } from "../helpers/service.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { createUser } from "../../src/auth/users.ts";
import type { Channel } from "../../src/channels/types.ts";

let svc: TestService;
let browser: Browser;
const mediaDir = mkdtempSync(path.join(os.tmpdir(), "minhu-media-"));

beforeAll(async () => {
  svc = await startService({ MEDIA_DIR: mediaDir });
  await createUser(svc.services.db, { username: "media-admin", displayName: "媒体管理员", role: "admin", password: "media-admin-pass" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
  rmSync(mediaDir, { recursive: true, force: true });
});

// ---- files made here ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A valid PNG of one colour (8-bit RGB, no filter). */
function png(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", header), pngChunk("IDAT", deflateSync(pixels)), pngChunk("IEND", Buffer.alloc(0))]);
}
/** One second of a 440 Hz tone as 16-bit mono WAV, a voice message the service keeps and converts. */
function wav(): Buffer {
  const rate = 8000;
  const data = Buffer.alloc(rate * 2);
  for (let i = 0; i < rate; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), i * 2);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVEfmt ", 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

// ---- helpers ----

/** A resident's message through the simulator's API, as the page sends it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function simulate(body: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${svc.url}/api/simulator/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

let residents = 0;
/** A resident of their own, in their own private chat, so no test's photos meet another's. */
function resident() {
  const id = `e2e-media-${++residents}-${Date.now()}`;
  return { chatId: `sim-private-${id}`, senderId: id, senderName: "赵阿姨" };
}

/** E2E_SCREENSHOTS=dir keeps pictures of the pages for a person to look at. */
async function snap(page: Page, name: string) {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/media-${name}.png`, fullPage: true });
}

async function consolePage(width: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: width < 500 ? 844 : 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${svc.url}/console/`);
  await page.getByLabel("用户名").fill("media-admin");
  await page.getByLabel("密码").fill("media-admin-pass");
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator(".top").waitFor();
  return { page, errors };
}

/** The tests type-check without the DOM library: the little of it they read in the page. */
type Img = { complete: boolean; naturalWidth: number };
type Canvas = { width: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
/** The width of the picture an <img> has loaded (0 until it has). */
const loadedWidth = (img: unknown) => ((img as Img).complete ? (img as Img).naturalWidth : 0);
const naturalWidth = (page: Page, selector: string) => page.locator(selector).first().evaluate(loadedWidth);

// ---- tests ----

describe("photos, voice and pins on a case", () => {
  it("shows the resident's photo, enlarges it, and shows the pin with a map link", async () => {
    const who = resident();
    await simulate({ ...who, file: { kind: "image", name: "lamp.png", base64: png(64, 48, [200, 120, 40]).toString("base64") } });
    const opened = await simulate({ ...who, text: "小区北门的路灯不亮了，晚上很黑" });
    const number: string = opened.case.number;
    await simulate({ ...who, location: { latitude: 31.2304, longitude: 121.4737, label: "阳光花园小区3号楼" } });

    const { page, errors } = await consolePage(390); // a phone, out in the grid
    await page.goto(`${svc.url}/console/#/cases/${number}`);
    const media = page.locator("section.media");
    await media.waitFor();
    expect(await media.locator("h2").textContent()).toBe("照片、语音与位置");

    // The photo is read through the case, with the session: it has really loaded.
    const thumb = media.locator("button.thumb img");
    expect(await thumb.count()).toBe(1);
    await expect.poll(() => naturalWidth(page, "section.media button.thumb img")).toBe(64);
    const small = (await thumb.boundingBox())!;
    expect(small.width).toBeLessThanOrEqual(130); // a thumbnail, not the picture

    // A click shows it over the page, larger; Esc closes it, and so does a click.
    await media.locator("button.thumb").click();
    const big = page.locator(".lightbox img");
    await big.waitFor();
    await expect.poll(() => naturalWidth(page, ".lightbox img")).toBe(64);
    expect((await big.boundingBox())!.width).toBeGreaterThan(small.width * 2);
    await snap(page, "lightbox-phone");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator(".lightbox").count()).toBe(0);
    await media.locator("button.thumb").click();
    await page.locator(".lightbox").click();
    await expect.poll(() => page.locator(".lightbox").count()).toBe(0);

    // The pin: its label, its coordinates and 高德地图 in a new tab that learns nothing of the console.
    const pin = media.locator(".pin");
    expect(await pin.textContent()).toContain("阳光花园小区3号楼");
    expect(await pin.textContent()).toContain("31.23040, 121.47370");
    const map = pin.getByRole("link", { name: "在地图中打开" });
    expect(await map.getAttribute("href")).toMatch(/^https:\/\/uri\.amap\.com\/marker\?position=121\.4737,31\.2304/);
    expect(await map.getAttribute("target")).toBe("_blank");
    expect(await map.getAttribute("rel")).toBe("noopener noreferrer");

    // The timeline says what came in, in words.
    const timeline = page.locator(".timeline");
    expect(await timeline.textContent()).toContain("居民发来位置");
    expect(await timeline.textContent()).toContain("补充照片或位置 · 居民");
    await snap(page, "case-phone");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("plays a voice message and lets a worker write down what it says", async () => {
    const who = resident();
    const opened = await simulate({ ...who, file: { kind: "voice", name: "voice.wav", base64: wav().toString("base64") } });
    const number: string = opened.case.number;
    expect(opened.case.status).toBe("needs_review");

    const { page, errors } = await consolePage(1280);
    await page.goto(`${svc.url}/console/#/cases/${number}`);
    const voice = page.locator("section.media .voice");
    await voice.waitFor();
    expect(await page.locator(".card", { hasText: "分类依据" }).textContent()).toContain("待人工（语音）");
    expect(await voice.textContent()).toContain("暂无文字");

    // Played as MP3 when ffmpeg could convert it, otherwise offered as a download with a word why.
    const [attachment] = (await (await page.request.get(`${svc.url}/api/cases/${number}`)).json()).attachments;
    if (attachment.playableUrl) {
      expect(await voice.locator("audio").getAttribute("src")).toBe(attachment.playableUrl);
      const mp3 = await page.request.get(`${svc.url}${attachment.playableUrl}`);
      expect(mp3.headers()["content-type"]).toBe("audio/mpeg");
    } else {
      expect(await voice.getByRole("link", { name: "下载语音" }).getAttribute("href")).toBe(attachment.url);
      expect(await voice.textContent()).toContain("浏览器无法直接播放 AMR 格式，请下载后收听");
    }
    await snap(page, "voice-desktop");

    // The worker listens and writes it down: the case now reads as what was said, and the timeline records it.
    const form = page.locator("form.transcribe");
    await form.getByLabel("语音的内容").fill("3号楼电梯坏了，有老人被困在里面");
    await form.getByRole("button", { name: "补录语音文字" }).click();
    await expect.poll(() => page.locator(".timeline").textContent()).toContain("补录语音文字 · 工作人员");
    expect(await page.locator(".detail .appeal").first().textContent()).toBe("3号楼电梯坏了，有老人被困在里面");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
    expect(kase).toMatchObject({ text: "3号楼电梯坏了，有老人被困在里面", status: "needs_review" });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("says how each message went out, and why one could not be delivered", async () => {
    const who = resident();
    const number: string = (await simulate({ ...who, text: "5号楼门口的垃圾两天没人收了" })).case.number;
    // What the 服务号 channel records (a 客服消息; a message past the 48-hour window), set here on the rows.
    const db = svc.services.db;
    const sent = await db.outbox.findMany({ where: { case: { number } }, orderBy: { id: "asc" } });
    expect(sent.length).toBeGreaterThan(0);
    await db.outbox.update({ where: { id: sent[0].id }, data: { via: "custom" } });
    const late = await db.outbox.create({
      data: { channel: "simulator", chatId: who.chatId, kind: "progress", text: "您的工单正在办理中", caseId: sent[0].caseId, status: "undeliverable", lastError: "居民超过 48 小时未发消息，且没有可用的订阅通知模板", createdAt: new Date() },
    });

    const { page, errors } = await consolePage(1280);
    await page.goto(`${svc.url}/console/#/cases/${number}`);
    const timeline = page.locator(".timeline");
    await timeline.waitFor();
    expect(await timeline.textContent()).toContain("通过客服消息");
    const undelivered = timeline.locator("li.out", { hasText: "您的工单正在办理中" });
    expect(await undelivered.textContent()).toContain("（未能送达：居民超过 48 小时未发消息，且没有可用的订阅通知模板）");
    expect(await undelivered.locator(".error").count()).toBe(1);
    await db.outbox.delete({ where: { id: late.id } });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("组织与设置: channels and the new settings", () => {
  it("lists each channel with its state, and the 服务号 as off with what switches it on", async () => {
    const { page, errors } = await consolePage(1280);
    await page.goto(`${svc.url}/console/#/admin/org`);
    const card = page.locator("section.channels");
    await card.waitFor();
    expect(await page.locator("main > section").first().getAttribute("class")).toContain("channels"); // at the top
    const mp = card.locator('li[data-channel="wechat-mp"]');
    expect(await mp.locator("b").textContent()).toBe("服务号");
    expect(await mp.locator(".pill").textContent()).toBe("未启用");
    expect(await mp.textContent()).toContain("开启方式：WECHAT_MP_APPID、WECHAT_MP_SECRET、WECHAT_MP_TOKEN、WECHAT_MP_AES_KEY");
    expect(await mp.textContent()).toContain("设置 PUBLIC_URL 后显示回调地址");
    expect(await mp.textContent()).toContain("/channels/wechat-mp");
    expect(await card.locator('li[data-channel="simulator"] .pill').textContent()).toBe("已连接");
    expect(await card.textContent()).toMatch(/语音转 MP3（ffmpeg）：(可用|不可用)/);
    await snap(page, "channels-desktop");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws Wechaty's login QR code from its modules, with a quiet zone", async () => {
    const content = "https://login.weixin.qq.com/l/e2e-media-test";
    const fake = { name: "wechaty", pushes: true, answersInRequest: false, start: async () => {}, stop: async () => {}, send: async () => {}, health: () => ({ state: "waiting_for_login" as const, qrcode: content }) };
    svc.services.channels.set("wechaty", fake as unknown as Channel);
    try {
      const { page, errors } = await consolePage(390);
      await page.goto(`${svc.url}/console/#/admin/org`);
      const item = page.locator('section.channels li[data-channel="wechaty"]');
      await item.locator("canvas.qr").waitFor();
      expect(await item.locator(".pill").textContent()).toBe("等待扫码登录");
      expect(await item.textContent()).toContain("用机器人的微信扫码登录；扫码者即成为机器人，请勿外传");
      // Read the drawing back, one module at a time, and compare it with the code the server made.
      const qr = QRCode.create(content, { errorCorrectionLevel: "M" });
      const size = qr.modules.size;
      const drawn = await item.locator("canvas.qr").evaluate((el, size: number) => {
        const canvas = el as unknown as Canvas;
        const g = canvas.getContext("2d")!;
        const scale = canvas.width / (size + 8);
        const dark = (mx: number, my: number) => g.getImageData(Math.floor((mx + 0.5) * scale), Math.floor((my + 0.5) * scale), 1, 1).data[0] < 128;
        let modules = "";
        for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) modules += dark(x + 4, y + 4) ? "1" : "0";
        let quietDark = 0;
        for (let i = 0; i < size + 8; i++) for (const [x, y] of [[i, 0], [i, 3], [0, i], [size + 7, i]]) if (dark(x, y)) quietDark++;
        return { modules, quietDark };
      }, size);
      expect(drawn.quietDark).toBe(0);
      expect(drawn.modules).toBe(Array.from(qr.modules.data, (d) => (d ? "1" : "0")).join(""));
      await snap(page, "qr-phone");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      svc.services.channels.delete("wechaty");
    }
  });

  it("saves the photo window and a 服务号 subscription template, and refuses a malformed one", async () => {
    const { page, errors } = await consolePage(1280);
    await page.goto(`${svc.url}/console/#/admin/org`);
    await page.locator("#s-photoWindowMinutes").fill("15");
    await page.getByRole("button", { name: "保存设置" }).click();
    await expect.poll(() => page.locator("#toast").textContent()).toContain("照片与文字合并（分钟）");
    const stored = async (key: string) => (await svc.services.db.setting.findUnique({ where: { key } }))?.value;
    expect(await stored("photoWindowMinutes")).toBe(15);

    const card = page.locator("section.subscribe-templates");
    await card.getByRole("button", { name: "＋添加模板" }).click();
    const row = card.locator(".template").last();
    await row.getByLabel("模板 ID").fill("e2eTemplate_0001");
    await row.getByLabel("回访").check();
    await row.getByLabel("模板字段").fill("character_string1=case_number thing2=matter_name phrase3=status time4=time");
    await card.getByRole("button", { name: "保存模板" }).click();
    await expect.poll(() => page.locator("#toast").textContent()).toContain("已保存：服务号订阅通知模板");
    expect(await stored("mpSubscribeTemplates")).toEqual([
      { templateId: "e2eTemplate_0001", kinds: ["progress", "survey"], fields: { character_string1: "case_number", thing2: "matter_name", phrase3: "status", time4: "time" } },
    ]);

    // A template id that is too short: the server's reason is shown, and what was saved stays.
    await row.getByLabel("模板 ID").fill("short");
    await card.getByRole("button", { name: "保存模板" }).click();
    await expect.poll(() => page.locator("#toast.bad").textContent()).toContain("模板 ID 为 10–64 位");
    expect(await stored("mpSubscribeTemplates")).toEqual([expect.objectContaining({ templateId: "e2eTemplate_0001" })]);
    await snap(page, "settings-desktop");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("adds a unit's 办事人员 on 企业微信", async () => {
    const { page, errors } = await consolePage(1280);
    await page.goto(`${svc.url}/console/#/admin/org`);
    const unit = page.locator('li[data-unit="阳光派出所"]');
    await unit.locator("summary").click();
    await unit.getByLabel("联系方式类型").selectOption("member");
    expect(await unit.getByLabel("联系方式渠道").isVisible()).toBe(true);
    await unit.getByLabel("联系方式渠道").selectOption("wecom");
    await unit.getByLabel("联系地址").fill("ZhangJingGuan");
    await unit.getByRole("button", { name: "添加" }).click();
    await expect.poll(async () => svc.services.db.unitContact.findMany({ where: { address: "ZhangJingGuan" } })).toEqual([expect.objectContaining({ kind: "member", channel: "wecom" })]);
    await page.locator('li[data-unit="阳光派出所"]', { hasText: "办事人员（只用于识别）（企业微信）：ZhangJingGuan" }).waitFor({ state: "attached" });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("simulator page: photos and pins", () => {
  it("sends a photo with 📷 and a pin with 📍, and shows both in the transcript", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${svc.url}/simulator`);
    await page.locator("#chats li", { hasText: "王女士 与 小民 的私聊" }).click();
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.getByRole("button", { name: "照片或语音" }).click()]);
    await chooser.setFiles({ name: "door.png", mimeType: "image/png", buffer: png(64, 48, [40, 120, 200]) }); // setInputFiles on 📷's file input
    const photo = page.locator(".msg.me .bubble img");
    await photo.waitFor();
    await expect.poll(() => naturalWidth(page, ".msg.me .bubble img")).toBe(64);
    // The bot asks for words to go with it.
    await expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain("收到您的照片");
    await photo.click();
    await page.locator(".lightbox img").waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator(".lightbox").count()).toBe(0);

    await page.getByRole("button", { name: "位置", exact: true }).click(); // 📍 opens the small form
    expect(await page.getByLabel("位置名称").inputValue()).toBe("阳光花园小区3号楼");
    await page.getByLabel("位置名称").fill("阳光花园东门");
    await page.locator("#pin-send").click();
    await expect.poll(() => page.locator(".msg.me .pin").last().textContent()).toBe("📍 阳光花园东门");
    expect(await page.locator("#pin-form").isHidden()).toBe(true);
    const stored = await svc.services.db.attachment.findMany({ where: { chatId: "sim-private-sim-resident-3" }, orderBy: { id: "asc" } });
    expect(stored.map((a) => [a.kind, a.status, a.label])).toEqual([["image", "stored", null], ["location", "stored", "阳光花园东门"]]);
    await snap(page, "simulator-desktop");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the photo the bot passes on to the unit's work room", async () => {
    const who = { chatId: "sim-yangguang-1", senderId: `e2e-media-lift-${Date.now()}`, senderName: "孙先生", mentionsBot: true };
    await simulate({ ...who, file: { kind: "image", name: "lift.png", base64: png(80, 60, [90, 160, 90]).toString("base64") } });
    const opened = await simulate({ ...who, text: "@小民 6号楼电梯坏了两天了，老人上下楼很困难" });
    expect(opened.case).toMatchObject({ status: "dispatched", leadUnit: "阳光花园物业服务中心" });

    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    await page.goto(`${svc.url}/simulator`);
    await page.locator("#chats li", { hasText: "阳光花园物业工作群" }).click();
    const passedOn = page.locator(".msg.bot", { hasText: opened.case.number }).locator(".bubble img");
    await expect.poll(() => passedOn.count()).toBeGreaterThan(0);
    await expect.poll(() => passedOn.last().evaluate(loadedWidth)).toBe(80);
    await page.close();
  });
});
