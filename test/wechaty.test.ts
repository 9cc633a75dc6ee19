// The Wechaty channel end to end: the real Wechaty driven by wechaty-puppet-mock, the real intake and outbox,
// a real SQLite file. The mock's Mocker plays WeChat: it logs the bot in and has residents talk.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Message, Wechaty } from "wechaty";
import { PuppetMock, mock } from "wechaty-puppet-mock";
import type { Channel } from "../src/channels/types.ts";
import { EACH_APPEAL_ITS_OWN_CASE, startService, type TestService } from "./helpers/service.ts";
import { createUser } from "../src/auth/users.ts";
import { FileBox } from "file-box";
import { TINY_JPEG } from "./helpers/fakeWechat.ts";
import { signIn, callAs } from "./helpers/session.ts";

const CASE_NUMBER = /\d{4}-\d{6}/;

let svc: TestService | undefined;
let mocker: mock.Mocker;
let puppet: PuppetMock;
let channel: Channel;
let bot: Wechaty;
let user: mock.ContactMock;
let resident: mock.ContactMock;
let sendText: ReturnType<typeof spyOnSendText>;
/** What the bot said, as the mock echoes the bot's own sends back as `message` events. */
const said: { roomId: string | null; listenerId: string | null; text: string }[] = [];

function spyOnSendText(p: PuppetMock) {
  return vi.spyOn(p, "messageSendText");
}

/** Calls of puppet.messageSendText for one conversation, as [conversationId, text, mentionIdList]. */
function sendsTo(conversationId: string) {
  return sendText.mock.calls.filter((call) => call[0] === conversationId) as unknown as [string, string, string[] | undefined][];
}

beforeAll(async () => {
  mocker = new mock.Mocker();
  puppet = new PuppetMock({ mocker });
  sendText = spyOnSendText(puppet);
  svc = await startService({}, { wechatyPuppet: puppet }, { settings: EACH_APPEAL_ITS_OWN_CASE });
  channel = svc.services.channels.get("wechaty")!;
  expect(channel).toBeDefined();
  await channel.start();
  bot = (channel as unknown as { bot: Wechaty }).bot;
  bot.on("message", (msg: Message) => {
    if (msg.self()) said.push({ roomId: msg.room()?.id ?? null, listenerId: msg.listener()?.id ?? null, text: msg.text() });
  });

  // The bot's own WeChat account: named like BOT_NAME, so "@小民" in a room is the bot.
  user = mocker.createContact({ id: "wxid_xiaomin", name: "小民" });
  mocker.login(user);
  resident = mocker.createContact({ id: "wxid_zhang_ayi", name: "张阿姨" });
  // The dispatcher sends only through a channel that is up, and the channel is up once Wechaty saw the login.
  await vi.waitFor(() => expect(channel.health().state).toBe("up"));
});

afterAll(async () => {
  await svc?.close();
});

describe("Wechaty channel (wechaty-puppet-mock)", () => {
  it("answers a resident's @mention in a served room, in the room, mentioning the resident, with a case number", async () => {
    const db = svc!.services.db;
    const room = mocker.createRoom({ id: "room1@chatroom", topic: "阳光花园1号楼业主群", memberIdList: [user.id, resident.id], ownerId: resident.id });
    const grid = await db.area.findFirstOrThrow({ where: { name: "幸福社区第一网格" } });
    await db.chatGroup.create({ data: { channel: "wechaty", chatId: room.id, name: "阳光花园1号楼业主群", gridId: grid.id } });

    resident.say("@小民 3号楼电梯坏了两天了，老人上下楼很困难", [user]).to(room);

    await vi.waitFor(() => expect(sendsTo(room.id)).toHaveLength(1), { timeout: 10_000 });
    const [[, text, mentionIdList]] = sendsTo(room.id);
    // Wechaty's room.say(text, contact) puts "@name" and a four-per-em space in front.
    expect(text.startsWith("@张阿姨\u2005") || text.startsWith("@张阿姨 ")).toBe(true);
    expect(mentionIdList).toEqual([resident.id]);
    expect(text).toMatch(CASE_NUMBER);
    expect(text).toContain("阳光花园物业服务中心");
    // The mock delivered it to the room as a message from the bot.
    await vi.waitFor(() => expect(said.filter((s) => s.roomId === room.id).map((s) => s.text)).toEqual([text]));

    const inbound = await db.inboundMessage.findFirstOrThrow({ where: { chatId: room.id } });
    expect(inbound).toMatchObject({
      channel: "wechaty",
      isGroup: true,
      chatName: "阳光花园1号楼业主群",
      senderId: resident.id,
      senderName: "张阿姨",
      mentionsBot: true,
      status: "processed",
      outcome: "appeal",
    });
    // mentionText() took the bot's @mention out of the stored text.
    expect(inbound.text).toBe("3号楼电梯坏了两天了，老人上下楼很困难");

    const cases = await db.case.findMany({ where: { chatId: room.id }, include: { matter: true, grid: true, building: true } });
    expect(cases).toHaveLength(1);
    const kase = cases[0];
    expect(kase).toMatchObject({ channel: "wechaty", isGroup: true });
    expect(kase.matter?.code).toBe("DT01");
    expect(kase.grid?.name).toBe("幸福社区第一网格");
    expect(kase.building?.name).toBe("3号楼");
    expect(inbound.caseId).toBe(kase.id);
    expect(text).toContain(kase.number);

    const outbox = await db.outbox.findMany({ where: { caseId: kase.id, kind: "reply" } });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ channel: "wechaty", chatId: room.id, isGroup: true, status: "sent", attempts: 1, inReplyTo: inbound.id });
  });

  it("answers a private chat in the private chat, without a mention", async () => {
    const db = svc!.services.db;
    resident.say("小区北门的路灯不亮了，晚上很黑").to(user);

    await vi.waitFor(() => expect(sendsTo(resident.id)).toHaveLength(1), { timeout: 10_000 });
    const [[, text, mentionIdList]] = sendsTo(resident.id);
    expect(mentionIdList ?? []).toEqual([]);
    expect(text).not.toMatch(/^@/);
    expect(text).toMatch(CASE_NUMBER);
    await vi.waitFor(() => expect(said.filter((s) => s.listenerId === resident.id).map((s) => s.text)).toEqual([text]));
    expect(said.find((s) => s.listenerId === resident.id)?.roomId).toBeNull();

    const inbound = await db.inboundMessage.findFirstOrThrow({ where: { channel: "wechaty", chatId: resident.id } });
    expect(inbound).toMatchObject({ isGroup: false, senderId: resident.id, mentionsBot: false, text: "小区北门的路灯不亮了，晚上很黑", outcome: "appeal" });
    const kase = await db.case.findFirstOrThrow({ where: { channel: "wechaty", chatId: resident.id }, include: { matter: true } });
    expect(kase.isGroup).toBe(false);
    expect(kase.matter?.code).toBe("SZ01");
    expect(text).toContain(kase.number);
    const outbox = await db.outbox.findMany({ where: { caseId: kase.id, kind: "reply" } });
    expect(outbox.map((o) => [o.chatId, o.status])).toEqual([[resident.id, "sent"]]);
    // The bot's own replies, which the mock echoes as messages, are never taken in as messages from a resident.
    expect(await db.inboundMessage.count({ where: { channel: "wechaty", senderId: user.id } })).toBe(0);
  });

  it("stores but does not answer an @mention in a room that is not on the served list", async () => {
    const db = svc!.services.db;
    const room = mocker.createRoom({ id: "room2@chatroom", topic: "钓鱼爱好者交流群", memberIdList: [user.id, resident.id] });

    resident.say("@小民 3号楼电梯坏了，快来修", [user]).to(room);

    const inbound = await vi.waitFor(
      async () => {
        const row = await db.inboundMessage.findFirst({ where: { channel: "wechaty", chatId: room.id } });
        expect(row?.outcome).toBe("ignored");
        return row!;
      },
      { timeout: 10_000 },
    );
    expect(inbound).toMatchObject({ status: "ignored", isGroup: true, mentionsBot: true, chatName: "钓鱼爱好者交流群" });
    expect((inbound.result as { ignored?: { reason?: string } }).ignored?.reason).toBe("group_not_served");
    expect(await db.outbox.count({ where: { chatId: room.id } })).toBe(0);
    expect(await db.case.count({ where: { chatId: room.id } })).toBe(0);
    // Whatever the dispatcher had due has been sent by the time this pass ends; none of it went to this room.
    await svc!.services.dispatcher.flush(new Date());
    expect(sendsTo(room.id)).toEqual([]);
    expect(said.filter((s) => s.roomId === room.id)).toEqual([]);
  });

  it("offers an administrator the rooms the running bot is in, marking those already served, to serve one more", async () => {
    const db = svc!.services.db;
    await createUser(db, { username: "wx-admin", displayName: "管理员", role: "admin", password: "wx-admin-pass" });
    // The bot is in a served room, a room not served, and the room to serve, all made here.
    const servedRoom = mocker.createRoom({ id: "offer-served@chatroom", topic: "阳光花园5号楼业主群", memberIdList: [user.id, resident.id] });
    const first = await db.area.findFirstOrThrow({ where: { name: "幸福社区第一网格" } });
    await db.chatGroup.create({ data: { channel: "wechaty", chatId: servedRoom.id, name: "阳光花园5号楼业主群", gridId: first.id } });
    mocker.createRoom({ id: "offer-unserved@chatroom", topic: "广场舞交流群", memberIdList: [user.id, resident.id] });
    const room = mocker.createRoom({ id: "room3@chatroom", topic: "阳光花园7号楼业主群", memberIdList: [user.id, resident.id] });
    const res = await fetch(`${svc!.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "wx-admin", password: "wx-admin-pass" }) });
    const headers = { cookie: res.headers.get("set-cookie")!.split(";")[0], "x-csrf-token": ((await res.json()) as any).csrfToken, "content-type": "application/json" };
    const { joined } = (await (await fetch(`${svc!.url}/api/admin/groups/joined`, { headers })).json()) as any;
    expect(joined).toEqual(
      expect.arrayContaining([
        { channel: "wechaty", chatId: "offer-served@chatroom", name: "阳光花园5号楼业主群", served: true },
        { channel: "wechaty", chatId: "offer-unserved@chatroom", name: "广场舞交流群", served: false },
        { channel: "wechaty", chatId: "room3@chatroom", name: "阳光花园7号楼业主群", served: false },
      ]),
    );
    const grid = await db.area.findFirstOrThrow({ where: { name: "幸福社区第二网格" } });
    const served = await fetch(`${svc!.url}/api/admin/groups`, { method: "POST", headers, body: JSON.stringify({ channel: "wechaty", chatId: room.id, name: "阳光花园7号楼业主群", gridId: grid.id }) });
    expect(served.status).toBe(201);

    // Served from its next message, in its grid.
    resident.say("@小民 7号楼电梯坏了", [user]).to(room);
    const kase = await vi.waitFor(
      async () => {
        const found = await db.case.findFirst({ where: { chatId: room.id }, include: { grid: true } });
        if (!found) throw new Error("no case yet");
        return found;
      },
      { timeout: 10_000 },
    );
    expect(kase.grid?.name).toBe("幸福社区第二网格");
  });

  it("takes a resident's photo through its FileBox, pairs it with the words after it, and sends it to the unit's WeChat room", async () => {
    const db = svc!.services.db;
    const sendFile = vi.spyOn(puppet, "messageSendFile");
    const unitRoom = mocker.createRoom({ id: `wuye-${Date.now()}@chatroom`, topic: "阳光花园物业微信工作群", memberIdList: [user.id] });
    const unit = await db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } });
    const contact = await db.unitContact.create({ data: { unitId: unit.id, kind: "room", channel: "wechaty", address: unitRoom.id, name: "物业微信群" } });
    try {
      const li = mocker.createContact({ id: `wxid_li_${Date.now()}`, name: "李叔" });
      // The mock keeps a FileBox as JSON, which a base64 box allows.
      li.say(FileBox.fromBase64(TINY_JPEG.toString("base64"), "lift.jpg")).to(user);
      await vi.waitFor(() => expect(sendsTo(li.id).map(([, t]) => t)).toEqual([expect.stringContaining("请再用一句话说明问题和位置")]), { timeout: 10_000 });
      li.say("3号楼电梯坏了两天了，老人上下楼很困难").to(user);
      await vi.waitFor(() => expect(sendsTo(li.id)).toHaveLength(2), { timeout: 10_000 });
      const kase = await db.case.findFirstOrThrow({ where: { channel: "wechaty", chatId: li.id }, include: { attachments: true } });
      expect(kase.attachments).toEqual([expect.objectContaining({ kind: "image", status: "stored", mime: "image/jpeg", size: TINY_JPEG.length })]);
      // The unit's room gets the dispatch, then the photo as a file.
      await vi.waitFor(() => expect(sendFile.mock.calls.filter(([to]) => to === unitRoom.id)).toHaveLength(1), { timeout: 10_000 });
      const [, box] = sendFile.mock.calls.find(([to]) => to === unitRoom.id)!;
      expect((await (box as FileBox).toBuffer()).equals(TINY_JPEG)).toBe(true);
      expect(sendsTo(unitRoom.id).map(([, t]) => t)).toEqual(expect.arrayContaining([expect.stringContaining(kase.number)]));
    } finally {
      await db.unitContact.delete({ where: { id: contact.id } });
      sendFile.mockRestore();
    }
  });
});

describe("the Wechaty login QR code", () => {
  let qrService: TestService | undefined;
  let qrMocker: mock.Mocker;
  beforeAll(async () => {
    qrMocker = new mock.Mocker();
    qrService = await startService({}, { wechatyPuppet: new PuppetMock({ mocker: qrMocker }) });
    await qrService.services.channels.get("wechaty")!.start();
  });
  afterAll(async () => qrService?.close());

  it("is drawn for administrators on the console from its modules, and never linked to an outside site or shown on /health", async () => {
    const code = "https://login.weixin.qq.com/l/Qr_minhu_test_0123";
    qrMocker.scan(code);
    const channel = qrService!.services.channels.get("wechaty")!;
    await vi.waitFor(() => expect(channel.health().state).toBe("waiting_for_login"));
    const health = (await (await fetch(`${qrService!.url}/health`)).json()) as { channels: Record<string, { state: string }> };
    expect(health.channels.wechaty.state).toBe("waiting_for_login");
    expect(JSON.stringify(health)).not.toContain(code);
    expect(JSON.stringify(health)).not.toContain("wechaty.js.org");

    await createUser(qrService!.services.db, { username: "qr-admin", displayName: "管理员", role: "admin", password: "qr-admin-pass" });
    await createUser(qrService!.services.db, { username: "qr-worker", displayName: "网格员", role: "worker", password: "qr-worker-pass" });
    const admin = await signIn(qrService!, "qr-admin", "qr-admin-pass");
    const { body } = await callAs(qrService!, admin, "GET", "/api/admin/channels");
    const wechaty = body.channels.find((c: { name: string }) => c.name === "wechaty");
    expect(wechaty).toMatchObject({ configured: true, state: "waiting_for_login" });
    const { size, modules } = wechaty.qr;
    expect(size).toBeGreaterThanOrEqual(21);
    expect(modules).toHaveLength(size * size);
    // A QR code's finder pattern: a 7-module dark border top left, its inside ring light.
    expect(modules.slice(0, 7)).toBe("1111111");
    expect(modules.slice(size, size + 7)).toBe("1000001");
    // Only administrators get it: whoever scans the code becomes the bot.
    const worker = await signIn(qrService!, "qr-worker", "qr-worker-pass");
    expect((await callAs(qrService!, worker, "GET", "/api/admin/channels")).status).toBe(403);
  });
});
