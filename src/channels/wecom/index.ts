// 企业微信 (WeCom): one self-built app (自建应用) with one callback URL serves two channels.
// - "wecom": the app itself. Units and grid workers get dispatch, 催办 and 督办 in a WeCom user's chat
//   (message/send) or an app group chat (appchat/send), photos included, and act on cases by writing to the app.
// - "wecom-kf": 微信客服 for residents. Its callback carries only a token; the messages are pulled with sync_msg
//   from a cursor kept in the database, and answered with send_msg within its window (5 messages in the
//   48 hours after the resident's last message). With several instances one pulls: the holder of the channel's
//   lease (../lease.ts); a nudge that reaches another instance is left in the database for the holder.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Logger } from "../../log.ts";
import { AccessTokens, readToken, TokenClient, WechatApiError } from "../wechat/api.ts";
import { CallbackCrypto, CallbackError, parseXml } from "../wechat/callback.ts";
import { parseMessage, readCallbackMessage } from "../wechat/messages.ts";
import { UndeliverableError, type Channel, type ChannelHealth, type InboundMessage, type MediaRef, type OutboundMessage, type SendReceipt } from "../types.ts";
import { MEDIA_LIMITS } from "../../media/check.ts";
import type { ChannelLease } from "../lease.ts";

export interface WecomOptions {
  corpId: string;
  secret: string;
  token: string;
  aesKey: string;
  agentId: number;
  apiBase: string;
  db: Db;
  log: Logger;
  /** The service's clock (token expiry, cursors, error times). */
  clock: () => Date;
}

const kfEvent = z.object({ MsgType: z.literal("event"), Event: z.literal("kf_msg_or_event"), Token: z.string().min(1).max(200), OpenKfId: z.string().min(1).max(100) });

/** What one callback is: a message to the app, a 微信客服 nudge to pull, or an event of no interest. */
export type WecomCallback = { type: "message"; message: InboundMessage } | { type: "kf"; openKfId: string; token: string } | { type: "other"; what: string };

/** The app's crypto and API, shared by both channels (one access token for the app's secret). */
export class WecomApp {
  readonly crypto: CallbackCrypto;
  readonly api: TokenClient;
  lastError: { at: string; message: string } | null = null;

  constructor(readonly opts: WecomOptions) {
    this.crypto = new CallbackCrypto(opts.token, opts.aesKey, opts.corpId);
    const tokens = new AccessTokens(opts.db, "wecom", () => this.fetchToken());
    this.api = new TokenClient(opts.apiBase, tokens, new Set([40014, 42001]));
  }

  private async fetchToken() {
    const res = await fetch(this.api.url("cgi-bin/gettoken", { corpid: this.opts.corpId, corpsecret: this.opts.secret }), { signal: AbortSignal.timeout(10_000) });
    return readToken(res, "gettoken");
  }

  /** URL verification (接收消息 → 设置 API 接收): the decrypted echostr, when the signature is WeCom's. */
  verifyUrl(query: Record<string, unknown>): string {
    const q = z.object({ msg_signature: z.string().min(1), timestamp: z.string().min(1), nonce: z.string().min(1), echostr: z.string().min(1).max(1000) }).safeParse(query);
    if (!q.success || !this.crypto.messageSignatureOk(q.data, q.data.echostr)) throw new CallbackError(401, "bad signature");
    return this.crypto.decrypt(q.data.echostr);
  }

  /** A posted callback, its signature checked and decrypted. */
  openCallback(query: Record<string, unknown>, body: string): WecomCallback {
    const q = z.object({ msg_signature: z.string().min(1), timestamp: z.string().min(1).max(20), nonce: z.string().min(1).max(64) }).safeParse(query);
    if (!q.success) throw new CallbackError(401, "bad signature");
    const outer = parseXml(body);
    const cipher = typeof outer.Encrypt === "string" ? outer.Encrypt : "";
    if (!cipher || !this.crypto.messageSignatureOk(q.data, cipher)) throw new CallbackError(401, "bad message signature");
    const fields = parseXml(this.crypto.decrypt(cipher));
    const kf = kfEvent.safeParse(fields);
    if (kf.success) return { type: "kf", openKfId: kf.data.OpenKfId, token: kf.data.Token };
    if (fields.MsgType === "event") return { type: "other", what: `event ${String(fields.Event ?? "")}`.slice(0, 60) };
    // A WeCom user's message to the app: the chat is the user (units act on cases from here).
    return { type: "message", message: readCallbackMessage("wecom", fields) };
  }

  fetchMedia(ref: MediaRef): Promise<{ bytes: Buffer; contentType?: string }> {
    if (!ref.mediaId) return Promise.reject(new Error("no media id to fetch"));
    return this.api.download("cgi-bin/media/get", this.opts.clock(), { media_id: ref.mediaId }, MEDIA_LIMITS[ref.kind]).catch((err) => {
      throw this.recordError(err as Error);
    });
  }

  /** Always "up": callbacks come in whatever the API does; sends that fail back off one by one. */
  health(): ChannelHealth {
    const ok = this.api.tokens.ok;
    return { state: "up", tokenOk: ok, lastError: this.lastError, ...(ok === false ? { detail: "无法获取 access_token：请检查企业 ID、Secret 和企业可信 IP" } : {}) };
  }

  recordError(err: Error): Error {
    this.lastError = { at: this.opts.clock().toISOString(), message: err.message.slice(0, 300) };
    this.opts.log.warn({ err: err.message }, "WeCom API call failed");
    return err;
  }
}

/** The app: units' and grid workers' chats (a user id, or an app group chat's chatid). */
export class WecomChannel implements Channel {
  readonly name = "wecom" as const;
  readonly pushes = true;
  readonly answersInRequest = false;

  constructor(readonly app: WecomApp) {}

  async start() {
    this.app.api.tokens.get(this.app.opts.clock()).catch((err) => this.app.recordError(err as Error));
  }
  async stop() {}
  health(): ChannelHealth {
    return this.app.health();
  }
  fetchMedia(ref: MediaRef) {
    return this.app.fetchMedia(ref);
  }

  async send(m: OutboundMessage): Promise<SendReceipt> {
    const via = m.isGroup ? "appchat" : "app";
    try {
      await this.post(m, { msgtype: "text", text: { content: m.text } });
      for (const file of m.media.filter((f) => f.kind === "image")) {
        const uploaded = await this.app.api.upload("cgi-bin/media/upload", m.now, { type: "image" }, { bytes: await readFile(file.path), fileName: file.fileName, mime: file.mime });
        const mediaId = z.object({ media_id: z.string().min(1) }).parse(uploaded).media_id;
        await this.post(m, { msgtype: "image", image: { media_id: mediaId } });
      }
      return { via };
    } catch (err) {
      throw this.app.recordError(err as Error);
    }
  }

  private async post(m: OutboundMessage, content: Record<string, unknown>) {
    if (m.isGroup) {
      await this.app.api.json("cgi-bin/appchat/send", m.now, { chatid: m.chatId, ...content });
      return;
    }
    const body = await this.app.api.json("cgi-bin/message/send", m.now, { touser: m.chatId, agentid: this.app.opts.agentId, ...content });
    // WeCom answers errcode 0 even when it knows no such user; it names them instead.
    if (typeof body.invaliduser === "string" && body.invaliduser.split("|").includes(m.chatId)) throw new Error(`WeCom knows no user ${m.chatId} in this app's range`);
  }
}

const kfMessage = z.object({
  msgid: z.string().min(1).max(64),
  open_kfid: z.string().min(1).max(100),
  external_userid: z.string().max(100).optional(),
  send_time: z.number().int(),
  origin: z.number().int(),
  msgtype: z.string().min(1).max(30),
  text: z.object({ content: z.string().max(5000) }).optional(),
  image: z.object({ media_id: z.string().min(1).max(500) }).optional(),
  voice: z.object({ media_id: z.string().min(1).max(500) }).optional(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().max(200).optional(), address: z.string().max(300).optional() }).optional(),
});
const syncAnswer = z.object({ next_cursor: z.string().default(""), has_more: z.number().int().default(0), msg_list: z.array(z.unknown()).default([]) });

/** 客服消息的来源: 3 the resident (微信客户), 4 a system event, 5 a servicer. */
const FROM_RESIDENT = 3;
/** send_msg refused because a human servicer holds the conversation, or it has ended. */
const SESSION_CLOSED = new Set([95018]);

/** 微信客服 for residents. A chat is one resident on one 客服 account: "open_kfid:external_userid". */
/** A 微信客服 nudge left for the lease's holder: ChannelCursor rows keyed by account, the callback's token as cursor. */
const NUDGE = "wecom-kf-nudge:";

export class WecomKfChannel implements Channel {
  readonly name = "wecom-kf" as const;
  readonly pushes = true;
  readonly answersInRequest = false;
  readonly replyWindow = { hours: 48, maxMessages: 5 };
  private readonly syncing = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(
    readonly app: WecomApp,
    /** Takes each resident's message, in order; resolves when it is stored. */
    private readonly onMessage: (message: InboundMessage) => Promise<void>,
    /** One puller per account: with several instances, the lease's holder pulls. */
    private readonly lease?: ChannelLease,
  ) {}

  /** Reads on from where each account stopped, in case a nudge came while the service was down (or went to another instance). */
  async start() {
    if (!this.lease) return this.catchUp();
    await this.lease.keep(
      async (held) => (held ? this.catchUp() : undefined),
      () => this.takeNudges(),
    );
  }
  async stop() {
    await this.lease?.release();
  }
  health(): ChannelHealth {
    if (this.lease?.heldElsewhere) return this.lease.standby();
    return this.app.health();
  }

  private async catchUp() {
    const cursors = await this.app.opts.db.channelCursor.findMany({ where: { key: { startsWith: "wecom-kf:" } } });
    for (const c of cursors) void this.sync(c.key.slice("wecom-kf:".length)).catch(() => undefined);
    await this.takeNudges();
  }

  /** Nudges that reached instances without the lease, pulled here (each taken once: the row is deleted first). */
  private async takeNudges() {
    const db = this.app.opts.db;
    for (const n of await db.channelCursor.findMany({ where: { key: { startsWith: NUDGE } } })) {
      const { count } = await db.channelCursor.deleteMany({ where: { key: n.key, updatedAt: n.updatedAt } });
      if (count) void this.sync(n.key.slice(NUDGE.length), n.cursor || undefined).catch(() => undefined);
    }
  }
  fetchMedia(ref: MediaRef) {
    return this.app.fetchMedia(ref);
  }

  /**
   * Pulls what is new for one 客服 account. One pull at a time per account; a nudge during a pull makes it pull
   * once more when it is done. The cursor is saved after each page is stored, so a crash re-reads at most one page
   * (and the intake takes each message id once).
   */
  sync(openKfId: string, token?: string): Promise<void> {
    if (this.lease && !this.lease.holds(this.app.opts.clock())) return this.pullElsewhere(openKfId, token);
    const running = this.syncing.get(openKfId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await this.pull(openKfId, token);
        } while (entry.again);
      } finally {
        this.syncing.delete(openKfId);
      }
    })();
    this.syncing.set(openKfId, entry);
    return entry.done;
  }

  /** Without the lease: pulls if nobody holds it; else leaves the nudge (and its token) to the holder. */
  private async pullElsewhere(openKfId: string, token?: string): Promise<void> {
    const now = this.app.opts.clock();
    if (await this.lease!.take(now)) return this.sync(openKfId, token);
    const key = `${NUDGE}${openKfId}`;
    await this.app.opts.db.channelCursor.upsert({ where: { key }, create: { key, cursor: token ?? "", updatedAt: now }, update: { cursor: token ?? "", updatedAt: now } });
  }

  private async pull(openKfId: string, token?: string) {
    const db = this.app.opts.db;
    const key = `wecom-kf:${openKfId}`;
    let cursor = (await db.channelCursor.findUnique({ where: { key } }))?.cursor ?? "";
    for (;;) {
      let answer: z.infer<typeof syncAnswer>;
      try {
        answer = syncAnswer.parse(await this.app.api.json("cgi-bin/kf/sync_msg", this.app.opts.clock(), { cursor, ...(token ? { token } : {}), limit: 1000, voice_format: 0, open_kfid: openKfId }));
      } catch (err) {
        throw this.app.recordError(err as Error);
      }
      for (const raw of answer.msg_list) {
        const item = kfMessage.safeParse(raw);
        if (!item.success) {
          this.app.opts.log.warn({ problem: item.error.issues[0]?.message }, "skipped a 微信客服 message that does not fit");
          continue;
        }
        if (item.data.origin !== FROM_RESIDENT || !item.data.external_userid) continue;
        await this.onMessage(this.toMessage(item.data, raw));
      }
      if (!answer.next_cursor) return;
      cursor = answer.next_cursor;
      const at = this.app.opts.clock();
      await db.channelCursor.upsert({ where: { key }, create: { key, cursor, updatedAt: at }, update: { cursor, updatedAt: at } });
      if (!answer.has_more) return;
    }
  }

  private toMessage(k: z.infer<typeof kfMessage>, raw: unknown): InboundMessage {
    const base = { channel: this.name, messageId: k.msgid, chatId: `${k.open_kfid}:${k.external_userid}`, senderId: k.external_userid!, isGroup: false, raw };
    if (k.msgtype === "text" && k.text) return parseMessage({ ...base, kind: "text", text: k.text.content });
    if (k.msgtype === "image" && k.image) return parseMessage({ ...base, kind: "image", text: "", media: { kind: "image", mediaId: k.image.media_id } });
    if (k.msgtype === "voice" && k.voice) return parseMessage({ ...base, kind: "voice", text: "", media: { kind: "voice", mediaId: k.voice.media_id, format: "amr" } });
    if (k.msgtype === "location" && k.location) {
      const label = [k.location.name, k.location.address].filter(Boolean).join(" ").trim();
      return parseMessage({ ...base, kind: "location", text: label, location: { latitude: k.location.latitude, longitude: k.location.longitude, label: label || undefined } });
    }
    return parseMessage({ ...base, kind: "unsupported", text: "" });
  }

  async send(m: OutboundMessage): Promise<SendReceipt> {
    const w = m.window;
    if (!w?.lastInboundAt || m.now.getTime() - w.lastInboundAt.getTime() >= this.replyWindow.hours * 3600_000) {
      throw new UndeliverableError("微信客服只能在居民发消息后 48 小时内回复；等居民再次发消息后送达");
    }
    if (w.sentSince >= this.replyWindow.maxMessages) throw new UndeliverableError("微信客服在居民每次发消息后最多回复 5 条，已发满；等居民再次发消息后送达");
    const [openKfId, externalUserId] = splitChat(m.chatId);
    try {
      // The msgid makes a retried send recognisable as the same message.
      await this.app.api.json("cgi-bin/kf/send_msg", m.now, { touser: externalUserId, open_kfid: openKfId, msgid: `minhu-${m.outboxId}`, msgtype: "text", text: { content: m.text } });
      return { via: "kf" };
    } catch (err) {
      if (err instanceof WechatApiError && SESSION_CLOSED.has(err.errcode)) throw new UndeliverableError("微信客服会话已由人工接待或已结束，机器人不能再发消息");
      throw this.app.recordError(err as Error);
    }
  }
}

function splitChat(chatId: string): [string, string] {
  const at = chatId.indexOf(":");
  if (at <= 0) throw new Error(`not a 微信客服 chat: ${chatId}`);
  return [chatId.slice(0, at), chatId.slice(at + 1)];
}
