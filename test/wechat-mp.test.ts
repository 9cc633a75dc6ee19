// The 服务号 channel end to end, over real sockets: WeChat's side is played by the test (messages signed and
// encrypted the documented way, posted to /channels/wechat-mp), the WeChat API by a local stand-in. The service
// stores first, answers within WeChat's 5 seconds, and sends the rest as 客服消息 or 订阅通知.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getSignature } from "@wecom/crypto";
import { EACH_APPEAL_ITS_OWN_CASE, startService, type TestService } from "./helpers/service.ts";
import { amrFile, mpText, MP, officialChannelsEnv, postMp, startFakeWechat, TINY_JPEG, type FakeWechat } from "./helpers/fakeWechat.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { FakeClock, HOUR } from "./helpers/clock.ts";
import { runFollowUp } from "../src/services.ts";
import type { WechatMpChannel } from "../src/channels/wechatMp/index.ts";

const CASE_NUMBER = /\d{4}-\d{6}/;
const clock = new FakeClock("2026-11-02T02:00:00Z");
let fake: FakeWechat;
let svc: TestService;
let n = 0;
/** A new resident for each test, so no test meets another's case or question. */
const openid = () => `oMinhu${Date.now().toString(36)}${++n}`;
const msgId = () => `${Date.now()}${++n}`;

beforeAll(async () => {
  fake = await startFakeWechat();
  // The seeded units work in simulator rooms, which a real channel would otherwise switch off.
  svc = await startService({ ...officialChannelsEnv(fake), PUBLIC_URL: "http://minhu.test", LINK_SECRET: "a-link-secret-for-tests", SIMULATOR_ENABLED: "true" }, { clock: clock.now }, { settings: EACH_APPEAL_ITS_OWN_CASE });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

const inbound = (from: string) => svc.services.db.inboundMessage.findMany({ where: { channel: "wechat-mp", senderId: from }, orderBy: { id: "asc" } });
const casesOf = (from: string) => svc.services.db.case.findMany({ where: { channel: "wechat-mp", chatId: from }, include: { attachments: true, matter: true } });
const customTo = (to: string) => fake.callsTo("/cgi-bin/message/custom/send").filter((c) => c.body.touser === to);

describe("服务号: URL verification and refused callbacks", () => {
  it("answers the echostr to WeChat's signed GET, and 401 to a forged one", async () => {
    const timestamp = "1700000000";
    const nonce = "424242";
    const good = new URLSearchParams({ signature: getSignature(MP.token, timestamp, nonce, ""), timestamp, nonce, echostr: "8426518396235421" });
    const ok = await fetch(`${svc.url}/channels/wechat-mp?${good}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("8426518396235421");

    const forged = new URLSearchParams({ signature: "0".repeat(40), timestamp, nonce, echostr: "8426518396235421" });
    const refused = await fetch(`${svc.url}/channels/wechat-mp?${forged}`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe("");
  });

  it("stores and sends nothing for a message with a forged signature, plain or in safe mode", async () => {
    const who = openid();
    const before = fake.calls.length;
    const plain = await postMp(svc.url, mpText(who, "3号楼电梯坏了", msgId()), "plain", { signature: "f".repeat(40) });
    expect(plain.status).toBe(401);
    // Safe mode with a right plain signature but a message signature over other ciphertext.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = "77";
    const q = new URLSearchParams({ signature: getSignature(MP.token, timestamp, nonce, ""), timestamp, nonce, encrypt_type: "aes", msg_signature: "a".repeat(40) });
    const safe = await fetch(`${svc.url}/channels/wechat-mp?${q}`, { method: "POST", body: "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[abcd]]></Encrypt></xml>" });
    expect(safe.status).toBe(401);
    expect(await inbound(who)).toHaveLength(0);
    expect(fake.calls.length).toBe(before);
  });

  it("answers 400 to broken XML or ciphertext with a valid signature, and 413 to a body over 1 MB", async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = "99";
    const signed = new URLSearchParams({ signature: getSignature(MP.token, timestamp, nonce, ""), timestamp, nonce });
    const broken = await fetch(`${svc.url}/channels/wechat-mp?${signed}`, { method: "POST", body: "<xml><ToUserName>gh</ToUser" });
    expect(broken.status).toBe(400);
    const noFields = await fetch(`${svc.url}/channels/wechat-mp?${signed}`, { method: "POST", body: "<xml><Foo>1</Foo></xml>" });
    expect(noFields.status).toBe(400);

    const cipher = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbCwganVzdCB0ZXh0IGZvciB0aGUgdGVzdA==";
    const safe = new URLSearchParams({ signature: getSignature(MP.token, timestamp, nonce, ""), timestamp, nonce, encrypt_type: "aes", msg_signature: getSignature(MP.token, timestamp, nonce, cipher) });
    const badCipher = await fetch(`${svc.url}/channels/wechat-mp?${safe}`, { method: "POST", body: `<xml><ToUserName>gh</ToUserName><Encrypt>${cipher}</Encrypt></xml>` });
    expect(badCipher.status).toBe(400);

    const huge = await fetch(`${svc.url}/channels/wechat-mp?${signed}`, { method: "POST", body: `<xml><Content>${"字".repeat(400_000)}</Content></xml>` });
    expect(huge.status).toBe(413);
  });
});

describe("服务号: text messages", () => {
  it.each(["safe", "compatible", "plain"] as const)("opens a case from a %s-mode text and answers with the passive reply", async (mode) => {
    const who = openid();
    const res = await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了，老人上下楼很困难", msgId()), mode);
    expect(res.status).toBe(200);
    expect(res.reply).toMatchObject({ ToUserName: who, FromUserName: "gh_minhu", MsgType: "text" });
    expect(res.reply!.Content).toMatch(CASE_NUMBER);
    expect(res.reply!.Content).toContain("电梯故障");
    const [kase] = await casesOf(who);
    expect(kase).toMatchObject({ isGroup: false, status: "dispatched" });
    expect(res.reply!.Content).toContain(kase.number);
    // The passive reply was the delivery: nothing went as a 客服消息 too.
    const replies = await svc.services.db.outbox.findMany({ where: { caseId: kase.id, kind: "reply" } });
    expect(replies).toEqual([expect.objectContaining({ status: "sent", via: "passive" })]);
    await svc.services.dispatcher.flush(clock.now());
    expect(customTo(who)).toHaveLength(0);
  });

  it("takes WeChat's three retries of one MsgId as one message: one case, the same answer each time", async () => {
    const who = openid();
    const fields = mpText(who, "小区北门的路灯不亮了，晚上很黑", msgId());
    // Two arrive together (WeChat retried while the first was in flight), one later.
    const [a, b] = await Promise.all([postMp(svc.url, fields), postMp(svc.url, fields)]);
    const c = await postMp(svc.url, fields);
    expect(await casesOf(who)).toHaveLength(1);
    expect(await inbound(who)).toHaveLength(1);
    const texts = [a, b, c].map((r) => r.reply?.Content ?? r.text);
    expect(texts.filter((t) => CASE_NUMBER.test(t)).length).toBeGreaterThanOrEqual(2);
    for (const t of texts) expect(t === "success" || t === texts.find((x) => CASE_NUMBER.test(x))).toBe(true);
    await svc.services.dispatcher.flush(clock.now());
    expect(customTo(who)).toHaveLength(0);
  });

  it("welcomes a new follower and says nothing when one leaves", async () => {
    const who = openid();
    const at = Math.floor(Date.now() / 1000);
    const hello = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: at, MsgType: "event", Event: "subscribe" });
    expect(hello.reply?.Content).toContain("欢迎关注");
    expect(hello.reply?.Content).toContain("照片、语音或位置");
    // WeChat retries events too: the same follower and time is the same event.
    const again = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: at, MsgType: "event", Event: "subscribe" });
    expect(again.reply?.Content).toBe(hello.reply?.Content);
    const bye = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: at + 60, MsgType: "event", Event: "unsubscribe" });
    expect(bye.text).toBe("success");
    const rows = await inbound(who);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([
      ["event", "chat"],
      ["event", "ignored"],
    ]);
  });

  it("stores a message type it cannot read and says so politely", async () => {
    const who = openid();
    const res = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: 1700000000, MsgType: "video", MediaId: "v1", ThumbMediaId: "t1", MsgId: msgId() });
    expect(res.reply?.Content).toContain("暂时还看不懂");
    expect((await inbound(who))[0]).toMatchObject({ kind: "unsupported", status: "processed" });
    expect(await casesOf(who)).toHaveLength(0);
  });
});

describe("服务号: a slow classifier", () => {
  let llm: FakeLlm;
  let slow: TestService;
  beforeAll(async () => {
    llm = await startFakeLlm();
    slow = await startService({ ...officialChannelsEnv(fake), OPENAI_BASE_URL: llm.baseURL, LLM_TIMEOUT_MS: "20000", LLM_MAX_RETRIES: "0" });
  });
  afterAll(async () => {
    await slow?.close();
    await llm?.close();
  });

  it("answers success within WeChat's 5 seconds, then sends the reply as a 客服消息 when the LLM answers after 6", async () => {
    const who = openid();
    llm.script({ kind: "slow", ms: 6000, body: { matter_code: "DT01", urgency: "normal", confidence: 0.95, missing_info: [], rationale: "电梯停运" } });
    // Had the callback waited for the classifier, its answer would be the passive reply, not "success".
    const res = await postMp(slow.url, mpText(who, "3号楼电梯坏了两天了，老人上下楼很困难", msgId()));
    expect(res.text).toBe("success");
    expect(fake.callsTo("/cgi-bin/message/custom/send").filter((c) => c.body.touser === who)).toHaveLength(0);
    await vi.waitFor(() => expect(fake.callsTo("/cgi-bin/message/custom/send").filter((c) => c.body.touser === who)).toHaveLength(1), { timeout: 15_000, interval: 200 });
    const [sent] = fake.callsTo("/cgi-bin/message/custom/send").filter((c) => c.body.touser === who);
    expect(sent.body).toMatchObject({ msgtype: "text" });
    expect(sent.body.text.content).toMatch(CASE_NUMBER);
    const kase = await slow.services.db.case.findFirstOrThrow({ where: { chatId: who }, include: { matter: true } });
    expect(sent.body.text.content).toContain(kase.number);
    expect(kase).toMatchObject({ classSource: "llm", status: "dispatched" });
    expect(kase.matter?.code).toBe("DT01");
    expect(llm.requests).toHaveLength(1);
    const reply = await slow.services.db.outbox.findFirstOrThrow({ where: { caseId: kase.id, kind: "reply" } });
    expect(reply).toMatchObject({ status: "sent", via: "custom" });
  }, 30_000);
});

describe("服务号: photos, voice and location", () => {
  it("keeps a photo, asks for words, and opens one case from the photo and the text that follows", async () => {
    const who = openid();
    const mediaId = fake.addMedia(TINY_JPEG, "image/jpeg");
    const photo = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: 1700000000, MsgType: "image", PicUrl: "http://mmbiz.qpic.cn/x.jpg", MediaId: mediaId, MsgId: msgId() });
    expect(photo.reply?.Content).toContain("请再用一句话说明问题和位置");
    expect(await casesOf(who)).toHaveLength(0);
    const words = await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了", msgId()));
    expect(words.reply?.Content).toMatch(CASE_NUMBER);
    const [kase] = await casesOf(who);
    expect(kase.attachments).toEqual([expect.objectContaining({ kind: "image", status: "stored", mime: "image/jpeg", size: TINY_JPEG.length, mediaId })]);
    expect(fake.callsTo("/cgi-bin/media/get").some((c) => c.query.media_id === mediaId)).toBe(true);
    // The property company's work room (the simulator's, which carries images) got the photo after the dispatch.
    await svc.services.dispatcher.flush(clock.now());
    const toUnit = await svc.services.db.outbox.findMany({ where: { caseId: kase.id, kind: "unit_photos" } });
    expect(toUnit).toEqual([expect.objectContaining({ chatId: "sim-unit-wuye", attachments: [kase.attachments[0].id], status: "sent" })]);
  });

  it("adds a photo sent after the text to that case, and tells the unit", async () => {
    const who = openid();
    await postMp(svc.url, mpText(who, "3号楼电梯坏了，一直停在5楼", msgId()));
    const [kase] = await casesOf(who);
    const mediaId = fake.addMedia(TINY_JPEG, "image/jpeg");
    const photo = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: 1700000001, MsgType: "image", PicUrl: "http://mmbiz.qpic.cn/y.jpg", MediaId: mediaId, MsgId: msgId() });
    expect(photo.reply?.Content).toBe(`已把您发来的照片补充到工单 ${kase.number}，谢谢！`);
    const after = await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id }, include: { attachments: true, events: true } });
    expect(after.attachments).toHaveLength(1);
    expect(after.events.map((e) => e.type)).toContain("media_added");
    const toUnit = await svc.services.db.outbox.findMany({ where: { caseId: kase.id, kind: "unit_photos" } });
    expect(toUnit).toHaveLength(1);
    expect(toUnit[0].text).toContain(kase.number);
  });

  it("opens the case from WeChat's recognition of a voice message, and keeps the voice as MP3", async () => {
    const who = openid();
    const mediaId = fake.addMedia(amrFile(1), "audio/amr");
    const res = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: 1700000000, MsgType: "voice", MediaId: mediaId, Format: "amr", Recognition: "3号楼电梯坏了两天了", MsgId: msgId() });
    expect(res.reply?.Content).toMatch(CASE_NUMBER);
    const [kase] = await casesOf(who);
    expect(kase.text).toBe("3号楼电梯坏了两天了");
    expect(kase.matter?.code).toBe("DT01");
    expect(kase.attachments).toEqual([expect.objectContaining({ kind: "voice", status: "stored", mime: "audio/amr", recognition: "3号楼电梯坏了两天了", recognitionSource: "wechat" })]);
    expect(kase.attachments[0].playablePath).toMatch(/\.mp3$/);
  });

  it("without recognition or speech-to-text, opens a case for a worker to listen to (语音待转写)", async () => {
    const who = openid();
    const mediaId = fake.addMedia(amrFile(2), "audio/amr");
    const res = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: 1700000000, MsgType: "voice", MediaId: mediaId, Format: "amr", MsgId: msgId() });
    expect(res.reply?.Content).toContain("已收到您的语音");
    const [kase] = await casesOf(who);
    expect(kase).toMatchObject({ status: "needs_review", classSource: "pending", classRationale: "语音待转写" });
    expect(kase.attachments[0]).toMatchObject({ kind: "voice", status: "stored" });
  });

  it("makes a location pin the case's place, with the building and grid its label names", async () => {
    const who = openid();
    const pin = await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: 1700000000, MsgType: "location", Location_X: "30.2741", Location_Y: "120.1551", Scale: "15", Label: "阳光花园小区3号楼", MsgId: msgId() });
    expect(pin.reply?.Content).toContain("收到您的位置：阳光花园小区3号楼");
    await postMp(svc.url, mpText(who, "电梯坏了两天了，老人上下楼很困难", msgId()));
    const kase = await svc.services.db.case.findFirstOrThrow({ where: { chatId: who }, include: { attachments: true, building: true, grid: true } });
    expect(kase.location).toBe("阳光花园小区3号楼");
    expect(kase.building?.name).toBe("3号楼");
    expect(kase.grid?.name).toBe("幸福社区第一网格");
    expect(kase.attachments).toEqual([expect.objectContaining({ kind: "location", latitude: 30.2741, longitude: 120.1551, label: "阳光花园小区3号楼" })]);
  });

  it("opens the case from the words when the photo cannot be downloaded, and fetches it on a retry", async () => {
    const who = openid();
    clock.set("2026-11-03T02:00:00Z");
    const mediaId = fake.addMedia(TINY_JPEG, "image/jpeg");
    // WeChat's media API fails for the photo, and again when the words arrive.
    fake.failMedia(2);
    await postMp(svc.url, { ToUserName: "gh_minhu", FromUserName: who, CreateTime: 1700000000, MsgType: "image", MediaId: mediaId, MsgId: msgId() });
    const words = await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了", msgId()));
    expect(words.reply?.Content).toMatch(CASE_NUMBER);
    const [kase] = await casesOf(who);
    expect(kase.attachments[0]).toMatchObject({ status: "pending", lastError: expect.stringContaining("errcode -1") });
    clock.advance(2 * 60_000);
    await runFollowUp(svc.services);
    const after = await svc.services.db.attachment.findUniqueOrThrow({ where: { id: kase.attachments[0].id } });
    expect(after).toMatchObject({ status: "stored", caseId: kase.id });
  });
});

describe("服务号: later messages and the 48-hour window", () => {
  it("refreshes an access token WeChat reports expired and sends the message once", async () => {
    const who = openid();
    await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了", msgId()));
    const [kase] = await casesOf(who);
    // A token the service holds as good now; then WeChat expires it early (as it may, e.g. after a reset).
    const mp = svc.services.channels.get("wechat-mp") as WechatMpChannel;
    await mp.api.tokens.get(clock.now());
    const fetchesBefore = fake.tokenFetches.length;
    fake.expireTokens("mp");
    await svc.services.cases.addNote(kase.id, { actor: "unit", text: "维修师傅明早到场", isPublic: true, now: clock.now() });
    await svc.services.dispatcher.flush(clock.now());
    const sent = customTo(who);
    expect(sent.map((c) => c.body.text.content)).toEqual([expect.stringContaining("维修师傅明早到场")]);
    // One refused call (42001), one new token, one retried call that went through with it.
    const refused = fake.refusedAt("/cgi-bin/message/custom/send").filter((c) => c.body.touser === who);
    expect(refused.map((c) => c.errcode)).toEqual([42001]);
    expect(refused[0].query.access_token).not.toBe(sent[0].query.access_token);
    expect(fake.tokenFetches.length).toBe(fetchesBefore + 1);
    const row = await svc.services.db.outbox.findFirstOrThrow({ where: { caseId: kase.id, kind: "progress" }, orderBy: { id: "desc" } });
    expect(row).toMatchObject({ status: "sent", via: "custom", attempts: 1 });
  });

  it("keeps a notice as undeliverable after 48 hours without a template, shows it, and sends it when the resident writes again", async () => {
    const who = openid();
    clock.set("2026-11-05T02:00:00Z");
    await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了", msgId()));
    const [kase] = await casesOf(who);
    clock.advance(49 * HOUR);
    await svc.services.cases.addNote(kase.id, { actor: "unit", text: "配件已到，今天修好", isPublic: true, now: clock.now() });
    await svc.services.dispatcher.flush(clock.now());
    const row = await svc.services.db.outbox.findFirstOrThrow({ where: { caseId: kase.id, kind: "progress" }, orderBy: { id: "desc" } });
    expect(row.status).toBe("undeliverable");
    expect(row.lastError).toContain("48 小时");
    expect(customTo(who)).toHaveLength(0);
    const events = await svc.services.db.caseEvent.findMany({ where: { caseId: kase.id, type: "undeliverable" } });
    expect(events).toHaveLength(1);
    const health = (await (await fetch(`${svc.url}/health`)).json()) as { undeliverable: number };
    expect(health.undeliverable).toBeGreaterThanOrEqual(1);

    // The resident writes again: the window opens and the notice goes, after the answer to what they wrote.
    await postMp(svc.url, mpText(who, "你好", msgId()));
    clock.advance(5000);
    await svc.services.dispatcher.flush(clock.now());
    expect(customTo(who).map((c) => c.body.text.content)).toEqual([expect.stringContaining("配件已到，今天修好")]);
    expect(await svc.services.db.outbox.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "sent", via: "custom" });
  });

  it("uses the administrators' subscription notice after 48 hours, or when WeChat says the window has closed", async () => {
    const late = openid();
    const refused = openid();
    clock.set("2026-11-10T02:00:00Z");
    await svc.services.settings.update({
      mpSubscribeTemplates: [{ templateId: "tmpl_progress_0001", kinds: ["progress", "survey"], fields: { character_string1: "case_number", thing2: "matter_name", phrase3: "status", thing4: "summary", time5: "time" } }],
    });
    try {
      await postMp(svc.url, mpText(late, "3号楼电梯坏了两天了，老人上下楼很困难，请尽快修", msgId()));
      await postMp(svc.url, mpText(refused, "3号楼电梯坏了两天了", msgId()));
      const [a] = await casesOf(late);
      const [b] = await casesOf(refused);
      fake.refuseCustom(refused, 45015);
      clock.advance(3 * HOUR);
      await svc.services.cases.addNote(b.id, { actor: "unit", text: "明早维修", isPublic: true, now: clock.now() });
      clock.advance(50 * HOUR);
      await svc.services.cases.addNote(a.id, { actor: "unit", text: "明早维修", isPublic: true, now: clock.now() });
      await svc.services.dispatcher.flush(clock.now());
      const notices = fake.callsTo("/cgi-bin/message/subscribe/bizsend");
      const toLate = notices.find((c) => c.body.touser === late)!;
      expect(toLate.body).toMatchObject({ template_id: "tmpl_progress_0001", data: { character_string1: { value: a.number }, thing2: { value: "电梯故障" }, phrase3: { value: "已派单" } } });
      // thing takes 20 characters at most.
      expect([...toLate.body.data.thing4.value].length).toBeLessThanOrEqual(20);
      expect(notices.some((c) => c.body.touser === refused)).toBe(true);
      expect(customTo(late)).toHaveLength(0);
      const viaNotice = await svc.services.db.outbox.findMany({ where: { caseId: { in: [a.id, b.id] }, kind: "progress" } });
      expect(viaNotice.map((o) => [o.status, o.via])).toEqual([
        ["sent", "subscribe"],
        ["sent", "subscribe"],
      ]);
    } finally {
      await svc.services.settings.update({ mpSubscribeTemplates: [] });
    }
  });

  it("lets a resident answer the survey from the notice's link, which works only with its signature", async () => {
    const who = openid();
    clock.set("2026-11-20T02:00:00Z");
    await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了", msgId()));
    const [kase] = await casesOf(who);
    await svc.services.cases.act(kase.id, { action: "resolve", actor: "unit", reason: "已更换电梯控制板", now: clock.now() });
    await svc.services.db.case.update({ where: { id: kase.id }, data: { status: "awaiting_feedback" } });
    const link = svc.services.links.survey(kase.id, 0, new Date(clock.now().getTime() + 3 * 24 * HOUR));
    const path = new URL(link).pathname;
    const page = await fetch(svc.url + path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(kase.number);
    expect(html).toContain("基本满意");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");

    const forged = await fetch(`${svc.url}${path.slice(0, -4)}AAAA`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "rating=satisfied" });
    expect(forged.status).toBe(403);
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id } })).status).toBe("awaiting_feedback");

    const answer = await fetch(svc.url + path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "rating=basically_satisfied&reason=%E8%BF%98%E8%A1%8C" });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("感谢您的评价（基本满意）");
    expect(await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id } })).toMatchObject({ status: "closed", satisfaction: "basically_satisfied" });
    const twice = await fetch(svc.url + path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "rating=dissatisfied" });
    expect(twice.status).toBe(409);
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id } })).status).toBe("closed");
  });

  it("backs off while the WeChat API is down, and sends the notice once it is back", async () => {
    const who = openid();
    clock.set("2026-11-22T02:00:00Z");
    await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了", msgId()));
    const [kase] = await casesOf(who);
    fake.setDown(true);
    try {
      await svc.services.cases.addNote(kase.id, { actor: "unit", text: "明天上午维修", isPublic: true, now: clock.now() });
      await svc.services.dispatcher.flush(clock.now());
      const row = await svc.services.db.outbox.findFirstOrThrow({ where: { caseId: kase.id, kind: "progress" } });
      expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: expect.stringContaining("HTTP 503") });
      expect(row.nextAttemptAt.getTime()).toBeGreaterThan(clock.now().getTime());
    } finally {
      fake.setDown(false);
    }
    clock.advance(31_000);
    await svc.services.dispatcher.flush(clock.now());
    expect(customTo(who).map((c) => c.body.text.content)).toEqual([expect.stringContaining("明天上午维修")]);
  });

  it("asks for the rating after resolution as a 客服消息, and takes the answer 1 from the chat", async () => {
    const who = openid();
    clock.set("2026-11-24T02:00:00Z");
    await postMp(svc.url, mpText(who, "3号楼电梯坏了两天了", msgId()));
    const [kase] = await casesOf(who);
    await svc.services.cases.act(kase.id, { action: "resolve", actor: "unit", reason: "已更换电梯控制板", now: clock.now() });
    clock.advance(2 * HOUR);
    await runFollowUp(svc.services);
    const asked = customTo(who).map((c) => c.body.text.content);
    expect(asked).toEqual(expect.arrayContaining([expect.stringContaining("1 满意")]));
    const answer = await postMp(svc.url, mpText(who, "1", msgId()));
    expect(answer.reply?.Content).toContain("感谢您的评价（满意）");
    expect(await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id } })).toMatchObject({ status: "closed", satisfaction: "satisfied" });
  });
});
