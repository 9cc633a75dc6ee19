// 企业微信 end to end over real sockets: the documented callback test vector; 微信客服 for residents (pulled with
// sync_msg from a stored cursor, answered with send_msg within its window); units working their cases from the
// app and getting dispatches with photos in a WeCom group chat.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, freshDatabase, startService, type TestService } from "./helpers/service.ts";
import { officialChannelsEnv, postWecom, startFakeWechat, TINY_JPEG, WECOM, type FakeWechat } from "./helpers/fakeWechat.ts";
import { FakeClock, HOUR } from "./helpers/clock.ts";
import type { WecomKfChannel } from "../src/channels/wecom/index.ts";

const CASE_NUMBER = /\d{4}-\d{6}/;

describe("WeCom callback verification (WeCom doc 91144's test vector)", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService({
      WECOM_CORP_ID: "wx5823bf96d3bd56c7",
      WECOM_SECRET: "not-used-in-this-test",
      WECOM_TOKEN: "QDG6eK",
      WECOM_AES_KEY: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
      WECOM_AGENT_ID: "1",
      WECOM_API_BASE: "http://127.0.0.1:9",
    });
  });
  afterAll(async () => svc?.close());
  const sample = { msg_signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", timestamp: "1409659589", nonce: "263014780", echostr: "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==" };

  it("answers the documented sample with its plaintext, 1616140317555161061, though its timestamp is from 2014", async () => {
    const res = await fetch(`${svc.url}/channels/wecom?${new URLSearchParams(sample)}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("1616140317555161061");
  });

  it("refuses the sample with one character of the signature or the echostr changed", async () => {
    const badSig = await fetch(`${svc.url}/channels/wecom?${new URLSearchParams({ ...sample, msg_signature: sample.msg_signature.replace(/^5/, "6") })}`);
    expect(badSig.status).toBe(401);
    const badEcho = await fetch(`${svc.url}/channels/wecom?${new URLSearchParams({ ...sample, echostr: sample.echostr.replace("P9n", "P9m") })}`);
    expect(badEcho.status).toBe(401);
    expect(await svc.services.db.inboundMessage.count()).toBe(0);
  });
});

describe("企业微信 and 微信客服", () => {
  const clock = new FakeClock("2026-11-02T02:00:00Z");
  let fake: FakeWechat;
  let svc: TestService;
  let kf: WecomKfChannel;
  let n = 0;
  const unique = (p: string) => `${p}${Date.now().toString(36)}${++n}`;

  beforeAll(async () => {
    fake = await startFakeWechat();
    svc = await startService(officialChannelsEnv(fake), { clock: clock.now }, { settings: EACH_APPEAL_ITS_OWN_CASE });
    kf = svc.services.channels.get("wecom-kf") as WecomKfChannel;
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });

  /** 微信客服's nudge: "there is something new for this account" (its token lets sync_msg pull faster). */
  const nudge = (openKfId: string, url = svc.url) => postWecom(url, { ToUserName: WECOM.corpId, CreateTime: Math.floor(Date.now() / 1000), MsgType: "event", Event: "kf_msg_or_event", Token: "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR", OpenKfId: openKfId });
  const kfSent = (to: string) => fake.callsTo("/cgi-bin/kf/send_msg").filter((c) => c.body.touser === to);

  it("pulls a resident's 微信客服 message after the nudge, opens a case and answers through send_msg", async () => {
    const kfId = unique("wk");
    const resident = unique("wm");
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "text", text: { content: "3号楼电梯坏了两天了，老人上下楼很困难" } });
    // What 客服 staff and the system said in the same conversation is not the resident's.
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, origin: 5, servicer_userid: "staff1", msgtype: "text", text: { content: "您好，请问有什么可以帮您" } });
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, origin: 4, msgtype: "event", event: { event_type: "enter_session" } });
    const res = await nudge(kfId);
    expect(res).toEqual({ status: 200, text: "" });
    await vi.waitFor(() => expect(kfSent(resident)).toHaveLength(1), { timeout: 10_000 });
    const [sent] = kfSent(resident);
    expect(sent.body).toMatchObject({ open_kfid: kfId, msgtype: "text", msgid: expect.stringMatching(/^minhu-\d+$/) });
    expect(sent.body.text.content).toMatch(CASE_NUMBER);
    const cases = await svc.services.db.case.findMany({ where: { channel: "wecom-kf", chatId: `${kfId}:${resident}` } });
    expect(cases).toHaveLength(1);
    expect(sent.body.text.content).toContain(cases[0].number);
    expect(await svc.services.db.inboundMessage.count({ where: { channel: "wecom-kf", senderId: resident } })).toBe(1);
    // The cursor is saved once the whole page is stored, which is after this reply went out.
    await vi.waitFor(async () => expect(await svc.services.db.channelCursor.findUnique({ where: { key: `wecom-kf:${kfId}` } })).toMatchObject({ cursor: expect.any(String) }));
  });

  it("reads on from the stored cursor after a restart: nothing lost, nothing read twice", async () => {
    const database = await freshDatabase();
    const kfId = unique("wk");
    const resident = unique("wm");
    const first = await startService(officialChannelsEnv(fake), { clock: clock.now }, { database });
    try {
      fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "text", text: { content: "3号楼电梯坏了两天了" } });
      await nudge(kfId, first.url);
      await vi.waitFor(async () => expect(await first.services.db.case.count({ where: { channel: "wecom-kf" } })).toBe(1), { timeout: 10_000 });
    } finally {
      await first.close();
    }
    // While the service was down, the resident wrote again.
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "text", text: { content: "小区北门的路灯不亮了，晚上很黑" } });
    const pullsBefore = fake.callsTo("/cgi-bin/kf/sync_msg").length;
    const second = await startService(officialChannelsEnv(fake), { clock: clock.now }, { database });
    try {
      // Starting, the channel reads on from each account's cursor.
      await second.services.channels.get("wecom-kf")!.start();
      await vi.waitFor(async () => expect(await second.services.db.case.count({ where: { channel: "wecom-kf" } })).toBe(2), { timeout: 10_000 });
      const pull = fake.callsTo("/cgi-bin/kf/sync_msg").slice(pullsBefore).find((c) => c.body.open_kfid === kfId)!;
      expect(pull.body.cursor).not.toBe("");
      expect(await second.services.db.inboundMessage.count({ where: { channel: "wecom-kf", senderId: resident } })).toBe(2);
    } finally {
      await second.close();
      await database.drop();
    }
  });

  it("sends at most 5 messages after a resident's message and none after 48 hours; the rest wait as undeliverable", async () => {
    const kfId = unique("wk");
    const resident = unique("wm");
    clock.set("2026-11-04T02:00:00Z");
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "text", text: { content: "3号楼电梯坏了两天了" } });
    await kf.sync(kfId);
    const kase = await svc.services.db.case.findFirstOrThrow({ where: { chatId: `${kfId}:${resident}` } });
    for (let i = 1; i <= 5; i++) {
      clock.advance(60_000);
      await svc.services.cases.addNote(kase.id, { actor: "unit", text: `进展${i}`, isPublic: true, now: clock.now() });
      await svc.services.dispatcher.flush(clock.now());
    }
    // The reply and four notes: five. The fifth note waits.
    expect(kfSent(resident).map((c) => c.body.text.content.replace(/^.*：/, ""))).toEqual([expect.stringMatching(CASE_NUMBER), "进展1", "进展2", "进展3", "进展4"]);
    const held = await svc.services.db.outbox.findFirstOrThrow({ where: { caseId: kase.id, text: { contains: "进展5" } } });
    expect(held).toMatchObject({ status: "undeliverable", lastError: expect.stringContaining("最多回复 5 条") });

    // The resident writes again within the window: the count starts again and the held notice goes.
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "text", text: { content: "谢谢" } });
    await kf.sync(kfId);
    clock.advance(5000);
    await svc.services.dispatcher.flush(clock.now());
    expect(kfSent(resident).map((c) => c.body.text.content)).toContainEqual(expect.stringContaining("进展5"));

    clock.advance(49 * HOUR);
    await svc.services.cases.addNote(kase.id, { actor: "unit", text: "进展6", isPublic: true, now: clock.now() });
    await svc.services.dispatcher.flush(clock.now());
    expect(await svc.services.db.outbox.findFirstOrThrow({ where: { caseId: kase.id, text: { contains: "进展6" } } })).toMatchObject({ status: "undeliverable", lastError: expect.stringContaining("48 小时") });
  });

  it("takes a photo from 微信客服 and the words after it as one case", async () => {
    const kfId = unique("wk");
    const resident = unique("wm");
    const mediaId = fake.addMedia(TINY_JPEG, "image/jpeg");
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "image", image: { media_id: mediaId } });
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "location", location: { latitude: 30.27, longitude: 120.15, name: "阳光花园", address: "小区3号楼" } });
    fake.kfPush({ msgid: unique("m"), open_kfid: kfId, external_userid: resident, msgtype: "text", text: { content: "电梯坏了两天了，老人上下楼很困难" } });
    await kf.sync(kfId);
    const kase = await svc.services.db.case.findFirstOrThrow({ where: { chatId: `${kfId}:${resident}` }, include: { attachments: { orderBy: { id: "asc" } }, building: true } });
    expect(kase.attachments.map((a) => [a.kind, a.status])).toEqual([
      ["image", "stored"],
      ["location", "stored"],
    ]);
    expect(kase.location).toBe("阳光花园 小区3号楼");
    expect(kase.building?.name).toBe("3号楼");
  });

  describe("a unit in WeCom", () => {
    let unitId: number;
    const chatid = "wrWuyeGroup01";
    const member = "zhangsan_wuye";
    beforeAll(async () => {
      const db = svc.services.db;
      unitId = (await db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } })).id;
      // Its group chat of the app hears every dispatch; a member acts from their own chat with the app.
      await db.unitContact.create({ data: { unitId, kind: "room", channel: "wecom", address: chatid, name: "物业企业微信群" } });
      await db.unitContact.create({ data: { unitId, kind: "member", channel: "wecom", address: member, name: "张三（物业）" } });
      fake.wecomUsers.add(member);
    });

    /** A case for the property company, opened in the simulator, with a photo sent just before. */
    async function liftCase(withPhoto: boolean) {
      const sender = unique("sim-");
      const chatId = `sim-private-${sender}`;
      if (withPhoto) {
        await svc.services.intake.receive({ channel: "simulator", messageId: unique("p"), chatId, senderId: sender, kind: "image", text: "", media: { kind: "image", data: TINY_JPEG, fileName: "lift.jpg" } }, clock.now());
      }
      const r = await svc.services.intake.receive({ channel: "simulator", messageId: unique("t"), chatId, senderId: sender, text: "3号楼电梯坏了两天了，老人上下楼很困难" }, clock.now());
      await svc.services.dispatcher.flush(clock.now());
      return r.case!.number;
    }

    it("gets the dispatch with the resident's photo in its WeCom group chat", async () => {
      const number = await liftCase(true);
      const toGroup = fake.callsTo("/cgi-bin/appchat/send").filter((c) => c.body.chatid === chatid);
      const text = toGroup.find((c) => c.body.msgtype === "text" && c.body.text.content.includes(number) && c.body.text.content.includes("新工单"));
      expect(text).toBeDefined();
      const uploaded = fake.callsTo("/cgi-bin/media/upload").at(-1)!;
      expect(uploaded.body).toMatchObject({ fileName: expect.stringMatching(/\.jpg$/), type: "image/jpeg" });
      expect(uploaded.body.bytes.equals(TINY_JPEG)).toBe(true);
      expect(toGroup.some((c) => c.body.msgtype === "image" && c.body.image.media_id.startsWith("up-"))).toBe(true);
      // A member is not written to: they hear through the group.
      expect(fake.callsTo("/cgi-bin/message/send").filter((c) => c.body.touser === member && String(c.body.text?.content).includes(number))).toHaveLength(0);
    });

    it("acts on the case when a member writes to the app, exactly as in a work group", async () => {
      const number = await liftCase(false);
      const at = Math.floor(Date.now() / 1000);
      const accept = await postWecom(svc.url, { ToUserName: WECOM.corpId, FromUserName: member, CreateTime: at, MsgType: "text", Content: `${number} 签收`, MsgId: unique("w"), AgentID: WECOM.agentId });
      expect(accept.status).toBe(200);
      await vi.waitFor(() => expect(fake.callsTo("/cgi-bin/message/send").filter((c) => c.body.touser === member && String(c.body.text?.content).includes("已签收"))).toHaveLength(1));
      const resolve = await postWecom(svc.url, { ToUserName: WECOM.corpId, FromUserName: member, CreateTime: at + 1, MsgType: "text", Content: `${number} 已办结 已更换电梯控制板`, MsgId: unique("w"), AgentID: WECOM.agentId });
      expect(resolve.status).toBe(200);
      const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { events: true } });
      expect(kase).toMatchObject({ status: "resolved", resolution: "已更换电梯控制板" });
      expect(kase.respondedAt).not.toBeNull();
      expect(kase.events.filter((e) => e.actor === "unit").map((e) => [e.type, e.actorId])).toEqual([
        ["accept", `wecom:${member}`],
        ["resolve", `wecom:${member}`],
      ]);
    });

    it("does not let a WeCom user who is not the unit's act on its case", async () => {
      const number = await liftCase(false);
      const stranger = unique("lisi");
      fake.wecomUsers.add(stranger);
      await postWecom(svc.url, { ToUserName: WECOM.corpId, FromUserName: stranger, CreateTime: Math.floor(Date.now() / 1000), MsgType: "text", Content: `${number} 已办结 修好了`, MsgId: unique("w"), AgentID: WECOM.agentId });
      expect((await svc.services.db.case.findUniqueOrThrow({ where: { number } })).status).toBe("dispatched");
    });
  });
});
