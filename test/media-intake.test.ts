// Photos, voice and location in the intake, on the simulator channel (the same intake every channel uses): which
// photo belongs to which case, what groups and units see, who may open a file, speech to text, retention.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, startService, type TestService } from "./helpers/service.ts";
import { adminAndWorker, callAs, signIn } from "./helpers/session.ts";
import { amrFile, TINY_JPEG } from "./helpers/fakeWechat.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { FakeClock, DAY, MINUTE } from "./helpers/clock.ts";
import { createUser } from "../src/auth/users.ts";
import { runFollowUp } from "../src/services.ts";

const clock = new FakeClock("2026-11-02T02:00:00Z");
let svc: TestService;
let n = 0;
const id = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

/** A webhook receiver standing in for a unit's robot: it takes text posts only. */
let hook: { url: string; posts: any[]; close: () => Promise<void> };

beforeAll(async () => {
  // The simulator plays residents and units here; PUBLIC_URL alone would switch it off.
  svc = await startService({ LINK_SECRET: "media-link-secret-for-tests", PUBLIC_URL: "http://minhu.test", SIMULATOR_ENABLED: "true" }, { clock: clock.now }, { settings: EACH_APPEAL_ITS_OWN_CASE });
  const posts: any[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      posts.push(JSON.parse(raw));
      res.writeHead(200, { "content-type": "application/json" }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  hook = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts, close: () => new Promise((r) => server.close(() => r())) };
  const unit = await svc.services.db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } });
  await svc.services.db.unitContact.create({ data: { unitId: unit.id, kind: "webhook", address: hook.url, name: "物业机器人" } });
});
afterAll(async () => {
  await svc?.close();
  await hook?.close();
});

const say = (m: Record<string, unknown>) => svc.services.intake.receive({ channel: "simulator", messageId: id("m"), ...m } as never, clock.now());
const photo = (chatId: string, senderId: string, extra: Record<string, unknown> = {}, bytes = TINY_JPEG) =>
  say({ chatId, senderId, isGroup: chatId.startsWith("sim-yangguang"), kind: "image", text: "", media: { kind: "image", data: bytes, fileName: "photo.jpg" }, ...extra });
const caseWith = (number: string) => svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { attachments: { orderBy: { id: "asc" } }, outbox: { orderBy: { id: "asc" } } } });

describe("which photo belongs to which case", () => {
  it("in a group: a photo nobody @mentioned waits, unanswered, for its sender's @mention, and only the unit gets it", async () => {
    clock.set("2026-11-02T03:00:00Z");
    const group = "sim-yangguang-1";
    const me = id("zhang");
    const neighbour = id("li");
    const mine = await photo(group, me);
    expect(mine).toMatchObject({ outcome: "not_addressed", replies: [] });
    await photo(group, neighbour);
    clock.advance(3 * MINUTE);
    const r = await say({ chatId: group, senderId: me, isGroup: true, text: "@小民 3号楼电梯坏了两天了", mentionsBot: true });
    const kase = await caseWith(r.case!.number);
    // Mine, not the neighbour's.
    expect(kase.attachments).toHaveLength(1);
    expect(kase.attachments[0]).toMatchObject({ senderId: me, status: "stored", mime: "image/jpeg" });
    await svc.services.dispatcher.flush(clock.now());
    const rows = (await caseWith(r.case!.number)).outbox;
    // The group hears the words, never a resident's photo; the unit's work room gets the photo.
    expect(rows.filter((o) => o.chatId === group).every((o) => (o.attachments as number[]).length === 0)).toBe(true);
    expect(rows.find((o) => o.chatId === "sim-unit-wuye" && o.kind === "unit_photos")).toMatchObject({ attachments: [kase.attachments[0].id], status: "sent" });
  });

  it("keeps a photo older than the window out of a new case, and asks once for a series of photos", async () => {
    clock.set("2026-11-02T05:00:00Z");
    const chat = `sim-private-${id("wang")}`;
    const me = chat.slice("sim-private-".length);
    const first = await photo(chat, me);
    expect(first.replies[0].text).toContain("请再用一句话说明问题和位置");
    const second = await photo(chat, me);
    expect(second.replies).toEqual([]);
    clock.advance(11 * MINUTE);
    const r = await say({ chatId: chat, senderId: me, text: "3号楼电梯坏了两天了" });
    expect((await caseWith(r.case!.number)).attachments).toHaveLength(0);
    // A new photo after the case is opened goes with it.
    const third = await photo(chat, me);
    expect(third.replies[0].text).toBe(`已把您发来的照片补充到工单 ${r.case!.number}，谢谢！`);
    expect((await caseWith(r.case!.number)).attachments).toHaveLength(1);
  });

  it("refuses a file that is not a photo though sent as one, and opens the case from the words", async () => {
    const chat = `sim-private-${id("zhao")}`;
    const me = chat.slice("sim-private-".length);
    await photo(chat, me, {}, Buffer.from("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\n"));
    const r = await say({ chatId: chat, senderId: me, text: "3号楼电梯坏了两天了" });
    expect(r.outcome).toBe("appeal");
    expect((await caseWith(r.case!.number)).attachments).toEqual([]);
    const refused = await svc.services.db.attachment.findFirstOrThrow({ where: { chatId: chat } });
    expect(refused).toMatchObject({ status: "failed", path: null, caseId: null, lastError: expect.stringContaining("application/pdf") });
  });

  it("lets a pin answer the bot's question where the problem is", async () => {
    const chat = `sim-private-${id("sun")}`;
    const me = chat.slice("sim-private-".length);
    const r = await say({ chatId: chat, senderId: me, text: "路灯不亮了，晚上很黑" });
    const asked = await svc.services.db.pendingQuestion.findFirst({ where: { chatId: chat, answeredAt: null } });
    expect(asked?.kind).toBe("missing_info");
    const answer = await say({ chatId: chat, senderId: me, kind: "location", text: "阳光花园小区5号楼", location: { latitude: 30.27, longitude: 120.15, label: "阳光花园小区5号楼" } });
    expect(answer.outcome).toBe("answer");
    const kase = await caseWith(r.case!.number);
    expect(kase.location).toContain("阳光花园小区5号楼");
    expect(kase.attachments).toEqual([expect.objectContaining({ kind: "location", latitude: 30.27 })]);
  });
});

describe("a unit whose chat cannot carry images", () => {
  it("gets a signed link that works until it expires, and not with another signature", async () => {
    clock.set("2026-11-03T03:00:00Z");
    const chat = `sim-private-${id("qian")}`;
    const me = chat.slice("sim-private-".length);
    await photo(chat, me);
    const r = await say({ chatId: chat, senderId: me, text: "3号楼电梯坏了两天了" });
    await svc.services.dispatcher.flush(clock.now());
    const post = hook.posts.find((p) => p.text.content.includes(r.case!.number) && p.text.content.includes("现场照片"));
    expect(post).toBeDefined();
    const link = /http:\/\/minhu\.test(\/media\/\d+\?exp=\d+&sig=[\w-]+)/.exec(post.text.content)![1];
    const ok = await fetch(svc.url + link);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await ok.arrayBuffer()).equals(TINY_JPEG)).toBe(true);
    const forged = await fetch(svc.url + link.replace(/sig=[\w-]{4}/, "sig=AAAA"));
    expect(forged.status).toBe(403);
    // The signature is for this file: the next file's id with it is refused.
    const otherFile = await fetch(svc.url + link.replace(/\/media\/(\d+)/, (_, d) => `/media/${Number(d) + 1}`));
    expect(otherFile.status).toBe(403);
    clock.advance(8 * DAY);
    expect((await fetch(svc.url + link)).status).toBe(403);
  });
});

describe("who may open a resident's photo", () => {
  it("whoever may see the case, and no one else", async () => {
    clock.set("2026-11-04T03:00:00Z");
    const { admin } = await adminAndWorker(svc, id("media"));
    const db = svc.services.db;
    const gridTwo = await db.area.findFirstOrThrow({ where: { name: "幸福社区第二网格" } });
    const uname = id("grid2");
    await createUser(db, { username: uname, displayName: "第二网格员", role: "worker", gridIds: [gridTwo.id], password: "grid-two-password" });
    const other = await signIn(svc, uname, "grid-two-password");
    const group = "sim-yangguang-1";
    const me = id("zhou");
    await photo(group, me);
    const r = await say({ chatId: group, senderId: me, isGroup: true, text: "@小民 3号楼电梯坏了两天了", mentionsBot: true });
    const detail = await callAs(svc, admin, "GET", `/api/cases/${r.case!.number}`);
    const [att] = detail.body.attachments;
    expect(att).toMatchObject({ kind: "image", status: "stored", mime: "image/jpeg", url: `/api/cases/${r.case!.number}/attachments/${att.id}` });

    const asAdmin = await callAs(svc, admin, "GET", att.url);
    expect(asAdmin.status).toBe(200);
    expect((asAdmin.body as Buffer).equals(TINY_JPEG)).toBe(true);
    expect((await callAs(svc, other, "GET", att.url)).status).toBe(404);
    expect((await callAs(svc, null, "GET", att.url)).status).toBe(401);
    // Another case's number does not open this case's file.
    const elsewhere = await say({ chatId: group, senderId: id("wu"), isGroup: true, text: "@小民 5号楼楼道灯坏了", mentionsBot: true });
    expect((await callAs(svc, admin, "GET", `/api/cases/${elsewhere.case!.number}/attachments/${att.id}`)).status).toBe(404);
  });
});

describe("voice", () => {
  let llm: FakeLlm;
  let asr: TestService;
  beforeAll(async () => {
    llm = await startFakeLlm();
    asr = await startService({ OPENAI_BASE_URL: llm.baseURL, ASR_MODEL: "whisper-1", LLM_MAX_RETRIES: "0" });
    // The classifier's calls fail: the local classifier answers, so only speech to text is under test.
    llm.respond(() => ({ kind: "status", status: 500 }));
  });
  afterAll(async () => {
    await asr?.close();
    await llm?.close();
  });
  const voice = (chat: string, who: string) => asr.services.intake.receive({ channel: "simulator", messageId: id("v"), chatId: chat, senderId: who, kind: "voice", text: "", media: { kind: "voice", data: amrFile(1), fileName: "voice.amr" } }, clock.now());

  it("opens the case from the speech-to-text model's words, sent as MP3", async () => {
    const chat = `sim-private-${id("asr")}`;
    llm.hear((file) => (file.name.endsWith(".mp3") ? "3号楼电梯坏了两天了" : null));
    const r = await voice(chat, chat.slice(12));
    expect(r.outcome).toBe("appeal");
    expect(r.case?.matterCode).toBe("DT01");
    const kase = await asr.services.db.case.findUniqueOrThrow({ where: { number: r.case!.number }, include: { attachments: true } });
    expect(kase.text).toBe("3号楼电梯坏了两天了");
    expect(kase.attachments[0]).toMatchObject({ kind: "voice", recognition: "3号楼电梯坏了两天了", recognitionSource: "asr" });
    const sent = llm.transcriptions.at(-1)!;
    expect(sent).toMatchObject({ model: "whisper-1", type: expect.stringMatching(/audio\/mpeg|application\/octet-stream/) });
    expect(sent.bytes.subarray(0, 3).toString("latin1") === "ID3" || (sent.bytes[0] === 0xff && (sent.bytes[1] & 0xe0) === 0xe0)).toBe(true);
  });

  it("waits for a worker when speech to text fails; the worker writes it down and confirms the matter", async () => {
    const chat = `sim-private-${id("asrfail")}`;
    llm.hear(() => null);
    const r = await voice(chat, chat.slice(12));
    expect(r.replies[0].text).toContain("已收到您的语音");
    const { admin } = await adminAndWorker(asr, id("voice"));
    const detail = await callAs(asr, admin, "GET", `/api/cases/${r.case!.number}`);
    expect(detail.body).toMatchObject({ status: "needs_review", text: "（语音消息，待转写）", classification: { source: "pending" } });
    const [v] = detail.body.attachments;
    expect(v).toMatchObject({ kind: "voice", recognition: null, playableUrl: expect.stringContaining("variant=mp3") });
    const mp3 = await callAs(asr, admin, "GET", v.playableUrl);
    expect(mp3.status).toBe(200);
    const done = await callAs(asr, admin, "POST", `/api/cases/${r.case!.number}/actions`, { action: "transcribe", text: "5号楼楼道灯坏了一个星期" });
    expect(done.status).toBe(200);
    // A private voice message says no building the service knows: 电梯故障's lead role (小区物业) cannot be found,
    // so the worker is told why and names the unit.
    const unknown = await callAs(asr, admin, "POST", `/api/cases/${r.case!.number}/actions`, { action: "confirm", matterCode: "DT01" });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error.message).toContain("不知道诉求在哪个楼栋或网格，无法按属地确定“小区物业”");
    const property = await asr.services.db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } });
    const confirm = await callAs(asr, admin, "POST", `/api/cases/${r.case!.number}/actions`, { action: "confirm", matterCode: "DT01", leadUnitId: property.id });
    expect(confirm.status).toBe(200);
    expect((await asr.services.db.case.findUniqueOrThrow({ where: { number: r.case!.number } })).leadUnitId).toBe(property.id);
    const kase = await asr.services.db.case.findUniqueOrThrow({ where: { number: r.case!.number }, include: { events: true } });
    expect(kase.text).toBe("5号楼楼道灯坏了一个星期");
    expect(kase.events.map((e) => e.type)).toEqual(expect.arrayContaining(["voice_pending", "transcribe", "confirm"]));
    // An empty transcript is refused.
    expect((await callAs(asr, admin, "POST", `/api/cases/${r.case!.number}/actions`, { action: "transcribe", text: " " })).status).toBe(409);
  });
});

describe("retention", () => {
  it("deletes a closed case's photos and files after the retention period, and loose photos after a week", async () => {
    clock.set("2026-11-05T03:00:00Z");
    const chat = `sim-private-${id("old")}`;
    const me = chat.slice(12);
    await photo(chat, me, {}, Buffer.concat([TINY_JPEG.subarray(0, TINY_JPEG.length - 2), Buffer.from([0x00, 0xff, 0xd9])]));
    const r = await say({ chatId: chat, senderId: me, text: "3号楼电梯坏了两天了" });
    const lonely = `sim-private-${id("lonely")}`;
    await photo(lonely, lonely.slice(12), {}, Buffer.concat([TINY_JPEG.subarray(0, TINY_JPEG.length - 2), Buffer.from([0x01, 0xff, 0xd9])]));
    const db = svc.services.db;
    const kase = await caseWith(r.case!.number);
    const file = svc.services.media.files.abs(kase.attachments[0].path!);
    const loose = await db.attachment.findFirstOrThrow({ where: { chatId: lonely } });
    const looseFile = svc.services.media.files.abs(loose.path!);
    expect(existsSync(file) && existsSync(looseFile)).toBe(true);
    await db.case.update({ where: { id: kase.id }, data: { status: "closed", closedAt: clock.now() } });
    clock.advance(731 * DAY);
    await db.job.updateMany({ where: { kind: "retention", status: "pending" }, data: { dueAt: clock.now() } });
    await runFollowUp(svc.services);
    expect(await db.attachment.findUniqueOrThrow({ where: { id: kase.attachments[0].id } })).toMatchObject({ status: "deleted", path: null, sha256: null });
    expect(await db.attachment.findUniqueOrThrow({ where: { id: loose.id } })).toMatchObject({ status: "deleted", path: null });
    expect(existsSync(file)).toBe(false);
    expect(existsSync(looseFile)).toBe(false);
  });
});
