// The 服务号 (WeChat Official Account) channel. Residents write to the account; WeChat posts each message to our
// callback (plain, compatible or safe mode) and waits 5 seconds for the answer. The adapter reads a callback into
// a normalised message, writes the passive reply, and sends later messages as 客服消息 within 48 hours of the
// resident's last message, or as a 订阅通知 after that. It knows nothing of cases or the database.
import { z } from "zod";
import type { Logger } from "../../log.ts";
import { AccessTokens, readToken, TokenClient, WechatApiError } from "../wechat/api.ts";
import { buildXml, CallbackCrypto, CallbackError, parseXml } from "../wechat/callback.ts";
import { readCallbackMessage } from "../wechat/messages.ts";
import { UndeliverableError, type Channel, type ChannelHealth, type InboundMessage, type MediaRef, type Notice, type OutboundMessage, type SendReceipt } from "../types.ts";
import { MEDIA_LIMITS } from "../../media/check.ts";
import type { Db } from "../../db.ts";

/** A subscription notice template an administrator set up (订阅通知 → 我的模板), and which messages it carries. */
export interface SubscribeTemplate {
  templateId: string;
  /** Outbox kinds it carries: progress, survey, … */
  kinds: string[];
  /** Template keyword (thing1, character_string2, time3, phrase4 …) → the notice field it shows. */
  fields: Record<string, keyof Notice>;
}

export interface WechatMpOptions {
  appId: string;
  secret: string;
  token: string;
  aesKey: string;
  apiBase: string;
  db: Db;
  log: Logger;
  /** The service's clock (token expiry, error times). */
  clock: () => Date;
  /** How long the callback holds a reply for the passive answer (a little more than it waits). */
  replyHoldMs: number;
  /** The administrators' subscription notice templates (settings). */
  templates: () => Promise<SubscribeTemplate[]>;
}

/** Why WeChat will not deliver: the 48-hour window (45015), too many 客服消息 (45047), the user left (43004). */
const WINDOW_CLOSED = new Set([45015, 45047]);
const NOT_FOLLOWING = new Set([43004, 43101]);

export class WechatMpChannel implements Channel {
  readonly name = "wechat-mp" as const;
  readonly pushes = true;
  readonly answersInRequest = false;
  readonly replyHoldMs: number;
  readonly replyWindow = { hours: 48 };
  readonly crypto: CallbackCrypto;
  readonly api: TokenClient;
  private lastError: { at: string; message: string } | null = null;

  constructor(private readonly opts: WechatMpOptions) {
    this.replyHoldMs = opts.replyHoldMs;
    this.crypto = new CallbackCrypto(opts.token, opts.aesKey, opts.appId);
    const tokens = new AccessTokens(opts.db, "wechat-mp", (force) => this.fetchToken(force));
    this.api = new TokenClient(opts.apiBase, tokens, new Set([40001, 40014, 42001]));
  }

  async start() {
    // A first token shows on the health page whether AppID, secret and the IP whitelist are right.
    this.api.tokens.get(this.opts.clock()).catch((err) => this.recordError(err as Error));
  }
  async stop() {}

  /** Always "up": the callback takes messages whatever the API does; sends that fail back off one by one. */
  health(): ChannelHealth {
    return { state: "up", tokenOk: this.api.tokens.ok, lastError: this.lastError, ...(this.api.tokens.ok === false ? { detail: "无法获取 access_token：请检查 AppID、AppSecret 和 IP 白名单" } : {}) };
  }

  /** stable_token: the same token for every caller until it expires (force_refresh only when it was refused). */
  private async fetchToken(force: boolean) {
    const res = await fetch(this.api.url("cgi-bin/stable_token"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "client_credential", appid: this.opts.appId, secret: this.opts.secret, force_refresh: force }),
      signal: AbortSignal.timeout(10_000),
    });
    return readToken(res, "stable_token");
  }

  // ---- the callback ------------------------------------------------------------------------------------------

  /** URL verification (开发 → 基本配置): the echostr back when the signature is WeChat's. */
  verifyUrl(query: Record<string, unknown>): string {
    const q = z.object({ signature: z.string().min(1), timestamp: z.string().min(1), nonce: z.string().min(1), echostr: z.string().min(1).max(200) }).safeParse(query);
    if (!q.success || !this.crypto.plainSignatureOk(q.data)) throw new CallbackError(401, "bad signature");
    return q.data.echostr;
  }

  /**
   * Reads a posted callback: checks the signature (the plain one, and in safe mode the message signature over the
   * ciphertext), decrypts, and parses. `reply(text)` writes the passive answer, encrypted when the callback was.
   */
  openCallback(query: Record<string, unknown>, body: string): { message: InboundMessage; reply: (text: string) => string } {
    const q = z
      .object({ signature: z.string().min(1), timestamp: z.string().min(1).max(20), nonce: z.string().min(1).max(64), encrypt_type: z.string().optional(), msg_signature: z.string().optional(), openid: z.string().optional() })
      .safeParse(query);
    if (!q.success || !this.crypto.plainSignatureOk(q.data)) throw new CallbackError(401, "bad signature");
    const outer = parseXml(body);
    let fields = outer;
    const encrypted = q.data.encrypt_type === "aes";
    if (encrypted) {
      const cipher = typeof outer.Encrypt === "string" ? outer.Encrypt : "";
      if (!q.data.msg_signature || !cipher || !this.crypto.messageSignatureOk({ ...q.data, msg_signature: q.data.msg_signature }, cipher)) throw new CallbackError(401, "bad message signature");
      fields = parseXml(this.crypto.decrypt(cipher));
    }
    const message = readCallbackMessage(this.name, fields);
    const reply = (words: string) => {
      const xml = buildXml({ ToUserName: message.senderId, FromUserName: String(fields.ToUserName ?? ""), CreateTime: Math.floor(this.opts.clock().getTime() / 1000), MsgType: "text", Content: words });
      return encrypted ? this.crypto.encryptReply(xml, q.data.timestamp, q.data.nonce) : xml;
    };
    return { message, reply };
  }

  // ---- sending -----------------------------------------------------------------------------------------------

  async send(m: OutboundMessage): Promise<SendReceipt> {
    const open = m.window?.lastInboundAt && m.now.getTime() - m.window.lastInboundAt.getTime() < this.replyWindow.hours * 3600_000;
    if (open) {
      try {
        await this.api.json("cgi-bin/message/custom/send", m.now, { touser: m.chatId, msgtype: "text", text: { content: m.text } });
        return { via: "custom" };
      } catch (err) {
        if (err instanceof WechatApiError && NOT_FOLLOWING.has(err.errcode)) throw new UndeliverableError("居民已取消关注服务号，消息无法送达");
        if (!(err instanceof WechatApiError && WINDOW_CLOSED.has(err.errcode))) throw this.recordError(err as Error);
        // WeChat counts the window itself; when it says it has closed, the notice is the way left.
      }
    }
    return this.sendNotice(m);
  }

  /** 订阅通知 (subscribe/bizsend) with the template an administrator chose for this kind of message. */
  private async sendNotice(m: OutboundMessage): Promise<SendReceipt> {
    const template = (await this.opts.templates()).find((t) => t.kinds.includes(m.kind));
    if (!template || !m.notice) throw new UndeliverableError("居民 48 小时内没有发消息，且没有适用的订阅通知模板，消息未能送达");
    const data = Object.fromEntries(Object.entries(template.fields).map(([keyword, field]) => [keyword, { value: fitKeyword(keyword, String(m.notice![field] ?? "")) }]));
    try {
      await this.api.json("cgi-bin/message/subscribe/bizsend", m.now, { touser: m.chatId, template_id: template.templateId, ...(m.notice.url ? { page: m.notice.url } : {}), data });
      return { via: "subscribe" };
    } catch (err) {
      if (err instanceof WechatApiError && NOT_FOLLOWING.has(err.errcode)) throw new UndeliverableError("居民未订阅通知或已取消关注，消息未能送达");
      throw this.recordError(err as Error);
    }
  }

  /** Temporary media (kept 3 days), or the photo's PicUrl when there is no media id. */
  async fetchMedia(ref: MediaRef): Promise<{ bytes: Buffer; contentType?: string }> {
    const limit = MEDIA_LIMITS[ref.kind];
    try {
      if (ref.mediaId) return await this.api.download("cgi-bin/media/get", this.opts.clock(), { media_id: ref.mediaId }, limit);
      if (!ref.url) throw new Error("neither a media id nor a URL to fetch");
      const res = await fetch(ref.url, { signal: AbortSignal.timeout(20_000) });
      if (!res.ok) throw new Error(`PicUrl answered HTTP ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      if (bytes.length > limit) throw new Error("the photo is too large");
      return { bytes, contentType: res.headers.get("content-type") ?? undefined };
    } catch (err) {
      throw this.recordError(err as Error);
    }
  }

  private recordError(err: Error): Error {
    this.lastError = { at: this.opts.clock().toISOString(), message: err.message.slice(0, 300) };
    this.opts.log.warn({ channel: this.name, err: err.message }, "WeChat API call failed");
    return err;
  }
}

/**
 * A value cut to what the template keyword takes (订阅通知's rules): thing 20 characters, phrase 5, name 10,
 * character_string and number 32; time as WeChat writes it.
 */
export function fitKeyword(keyword: string, value: string): string {
  const type = keyword.replace(/\d+$/, "");
  const max = { thing: 20, phrase: 5, name: 10, character_string: 32, number: 32, letter: 32, symbol: 5, amount: 32, phone_number: 17, car_number: 8 }[type] ?? 20;
  if (type === "time" || type === "date") return value;
  if (type === "character_string") value = value.replace(/[^\x20-\x7e]/g, "");
  return [...value].length > max ? [...value].slice(0, max - 1).join("") + "…" : value;
}
