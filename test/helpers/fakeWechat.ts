// A local stand-in for the WeChat (服务号) and WeCom APIs, answering as their documents describe: access tokens
// (token, stable_token, gettoken) that expire and can be invalidated, 客服消息, 订阅通知, temporary media, WeCom
// app messages (message/send, appchat/send, media/upload), and 微信客服 (sync_msg with cursors, send_msg). Errors
// come as WeChat sends them: HTTP 200 with {errcode, errmsg}. Also the other side of the callbacks: messages
// signed and encrypted the documented way (WXBizMsgCrypt, through @wecom/crypto) and posted to the service.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { decrypt, encrypt, getSignature } from "@wecom/crypto";
import { XMLParser } from "fast-xml-parser";

export interface Call {
  path: string;
  query: Record<string, string>;
  body: any;
  /** What the stand-in answered: 0, WeChat's errcode, or -503 while it was down. */
  errcode: number;
}

interface Token {
  app: "mp" | "wecom";
  expiresAt: number;
  revoked: boolean;
}

export interface KfItem {
  msgid: string;
  open_kfid: string;
  external_userid: string;
  send_time: number;
  origin: number;
  msgtype: string;
  [k: string]: unknown;
}

export interface FakeWechat {
  baseURL: string;
  calls: Call[];
  /** Calls to one API that it accepted, e.g. "/cgi-bin/message/custom/send". */
  callsTo(path: string): Call[];
  /** Calls to one API that it refused with an errcode. */
  refusedAt(path: string): Call[];
  /** Temporary media the API serves, by media_id. */
  addMedia(bytes: Buffer, contentType: string): string;
  /** The next `n` media/get calls answer errcode -1 (system busy). */
  failMedia(n: number): void;
  /** Every token of an app now answers 42001 (expired). */
  expireTokens(app: "mp" | "wecom"): void;
  /** An openid for which 客服消息 answers this errcode (45015: outside the 48-hour window). */
  refuseCustom(openid: string, errcode: number): void;
  refuseSubscribe(openid: string, errcode: number): void;
  /** WeCom users the app may write to (others come back in invaliduser). */
  wecomUsers: Set<string>;
  /** 微信客服's message log, as sync_msg reads it. */
  kfPush(item: Omit<KfItem, "send_time" | "origin"> & Partial<KfItem>): void;
  /** Every API answers HTTP 503 while down. */
  setDown(down: boolean): void;
  tokenFetches: { app: string; force?: boolean }[];
  close(): Promise<void>;
}

export const MP = { appId: "wx0123456789abcdef", secret: "mp-secret-0123456789", token: "MinhuTestToken", aesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" };
export const WECOM = { corpId: "ww0123456789abcdef", secret: "wecom-secret-0123456789", token: "WecomToken42", aesKey: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq", agentId: 1000002 };

export async function startFakeWechat(): Promise<FakeWechat> {
  const calls: Call[] = [];
  const tokens = new Map<string, Token>();
  const media = new Map<string, { bytes: Buffer; type: string }>();
  const kfLog: KfItem[] = [];
  const refuseCustom = new Map<string, number>();
  const refuseSubscribe = new Map<string, number>();
  const wecomUsers = new Set<string>();
  const tokenFetches: { app: string; force?: boolean }[] = [];
  let mediaFailures = 0;
  let down = false;
  let stable: string | null = null;
  let wecomCurrent: string | null = null;

  const issue = (app: "mp" | "wecom") => {
    const t = `${app}-${randomBytes(12).toString("hex")}`;
    tokens.set(t, { app, expiresAt: Date.now() + 7200_000, revoked: false });
    return t;
  };
  /** null when the token is good, else the errcode WeChat answers. */
  const check = (t: string | undefined, app: "mp" | "wecom"): number | null => {
    const tok = t ? tokens.get(t) : undefined;
    const invalid = app === "mp" ? 40001 : 40014;
    if (!tok || tok.app !== app || tok.revoked) return invalid;
    if (tok.expiresAt <= Date.now()) return 42001;
    return null;
  };

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url!, "http://x");
      const query = Object.fromEntries(url.searchParams);
      const raw = Buffer.concat(chunks);
      const type = req.headers["content-type"] ?? "";
      let body: any = null;
      if (type.includes("json") && raw.length) body = JSON.parse(raw.toString("utf8"));
      else if (type.includes("multipart/form-data")) {
        // The WeCom media upload: parsed as a browser would send it.
        const form = await new Request("http://x", { method: "POST", headers: { "content-type": type }, body: raw }).formData();
        const file = form.get("media") as File | null;
        body = file ? { fileName: file.name, type: file.type, bytes: Buffer.from(await file.arrayBuffer()) } : null;
      }
      const call: Call = { path: url.pathname, query, body, errcode: 0 };
      calls.push(call);
      const json = (o: unknown) => {
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(o));
      };
      const err = (errcode: number, errmsg: string) => {
        call.errcode = errcode;
        json({ errcode, errmsg: `${errmsg} rid: ${randomBytes(4).toString("hex")}` });
      };
      if (down) {
        call.errcode = -503; // not an errcode: the call never reached the API
        res.writeHead(503).end("service unavailable");
        return;
      }
      const p = url.pathname;
      const mpToken = () => check(query.access_token, "mp");
      const wecomToken = () => check(query.access_token, "wecom");
      const tokenErr = (code: number) => err(code, code === 42001 ? "access_token expired" : code === 40014 ? "invalid access_token" : "invalid credential, access_token is invalid or not latest");

      // ---- 服务号 ----
      if (p === "/cgi-bin/token") {
        tokenFetches.push({ app: "mp" });
        if (query.appid !== MP.appId || query.secret !== MP.secret) return err(40125, "invalid appsecret");
        return json({ access_token: issue("mp"), expires_in: 7200 });
      }
      if (p === "/cgi-bin/stable_token") {
        tokenFetches.push({ app: "mp", force: body?.force_refresh });
        if (body?.appid !== MP.appId || body?.secret !== MP.secret) return err(40125, "invalid appsecret");
        // The same token for everyone until it expires; force_refresh replaces it (and the old one stops working).
        if (body.force_refresh && stable) tokens.get(stable)!.revoked = true;
        if (!stable || body.force_refresh || check(stable, "mp") !== null) stable = issue("mp");
        return json({ access_token: stable, expires_in: Math.max(1, Math.floor((tokens.get(stable)!.expiresAt - Date.now()) / 1000)) });
      }
      if (p === "/cgi-bin/message/custom/send") {
        const bad = mpToken();
        if (bad) return tokenErr(bad);
        const refused = refuseCustom.get(body.touser);
        if (refused) return err(refused, refused === 45015 ? "response out of time limit or subscription is canceled" : "refused");
        return json({ errcode: 0, errmsg: "ok" });
      }
      if (p === "/cgi-bin/message/subscribe/bizsend") {
        const bad = mpToken();
        if (bad) return tokenErr(bad);
        const refused = refuseSubscribe.get(body.touser);
        if (refused) return err(refused, refused === 43101 ? "user refuse to accept the msg" : "refused");
        if (!body.template_id || typeof body.data !== "object") return err(47003, "argument invalid! data.thing1.value invalid");
        for (const [k, v] of Object.entries(body.data as Record<string, { value: string }>)) {
          if (k.startsWith("thing") && [...v.value].length > 20) return err(47003, `argument invalid! data.${k}.value invalid`);
        }
        return json({ errcode: 0, errmsg: "ok" });
      }
      if (p === "/cgi-bin/media/get") {
        const bad = query.access_token?.startsWith("wecom") ? wecomToken() : mpToken();
        if (bad) return tokenErr(bad);
        if (mediaFailures > 0) {
          mediaFailures--;
          return err(-1, "system error");
        }
        const m = media.get(query.media_id);
        if (!m) {
          // WeChat answers media errors as JSON with a text/plain type.
          res.writeHead(200, { "content-type": "text/plain" });
          res.end(JSON.stringify({ errcode: 40007, errmsg: "invalid media_id" }));
          return;
        }
        res.writeHead(200, { "content-type": m.type, "content-disposition": `attachment; filename="${query.media_id}"`, "content-length": m.bytes.length });
        res.end(m.bytes);
        return;
      }

      // ---- 企业微信 ----
      if (p === "/cgi-bin/gettoken") {
        tokenFetches.push({ app: "wecom" });
        if (query.corpid !== WECOM.corpId || query.corpsecret !== WECOM.secret) return err(40001, "invalid secret");
        if (!wecomCurrent || check(wecomCurrent, "wecom") !== null) wecomCurrent = issue("wecom");
        return json({ errcode: 0, errmsg: "ok", access_token: wecomCurrent, expires_in: 7200 });
      }
      if (p === "/cgi-bin/message/send") {
        const bad = wecomToken();
        if (bad) return tokenErr(bad);
        if (body.agentid !== WECOM.agentId) return err(40056, "invalid agentid");
        const unknown = String(body.touser).split("|").filter((u) => !wecomUsers.has(u));
        return json({ errcode: 0, errmsg: "ok", invaliduser: unknown.join("|"), msgid: randomBytes(8).toString("hex") });
      }
      if (p === "/cgi-bin/appchat/send") {
        const bad = wecomToken();
        if (bad) return tokenErr(bad);
        return json({ errcode: 0, errmsg: "ok" });
      }
      if (p === "/cgi-bin/media/upload") {
        const bad = wecomToken();
        if (bad) return tokenErr(bad);
        if (!body?.bytes?.length) return err(44001, "empty media data");
        const id = `up-${randomBytes(6).toString("hex")}`;
        media.set(id, { bytes: body.bytes, type: body.type });
        return json({ errcode: 0, errmsg: "", type: query.type, media_id: id, created_at: String(Math.floor(Date.now() / 1000)) });
      }
      if (p === "/cgi-bin/kf/sync_msg") {
        const bad = wecomToken();
        if (bad) return tokenErr(bad);
        const mine = kfLog.filter((m) => !body.open_kfid || m.open_kfid === body.open_kfid);
        const from = body.cursor ? Number(Buffer.from(body.cursor, "base64url").toString()) : 0;
        if (!Number.isInteger(from) || from < 0) return err(95000, "invalid cursor");
        const limit = Math.min(Number(body.limit ?? 1000), 1000);
        const page = mine.slice(from, from + limit);
        const next = from + page.length;
        return json({ errcode: 0, errmsg: "ok", next_cursor: Buffer.from(String(next)).toString("base64url"), has_more: next < mine.length ? 1 : 0, msg_list: page });
      }
      if (p === "/cgi-bin/kf/send_msg") {
        const bad = wecomToken();
        if (bad) return tokenErr(bad);
        return json({ errcode: 0, errmsg: "ok", msgid: body.msgid ?? randomBytes(8).toString("hex") });
      }
      res.writeHead(404).end();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let seq = 0;
  return {
    baseURL,
    calls,
    callsTo: (path) => calls.filter((c) => c.path === path && c.errcode === 0),
    refusedAt: (path) => calls.filter((c) => c.path === path && c.errcode !== 0),
    addMedia(bytes, contentType) {
      const id = `media-${++seq}-${randomBytes(4).toString("hex")}`;
      media.set(id, { bytes, type: contentType });
      return id;
    },
    failMedia: (n) => void (mediaFailures = n),
    expireTokens(app) {
      for (const t of tokens.values()) if (t.app === app) t.expiresAt = Date.now() - 1;
    },
    refuseCustom: (openid, code) => void refuseCustom.set(openid, code),
    refuseSubscribe: (openid, code) => void refuseSubscribe.set(openid, code),
    wecomUsers,
    kfPush: (item) => void kfLog.push({ send_time: Math.floor(Date.now() / 1000), origin: 3, ...item } as KfItem),
    setDown: (d) => void (down = d),
    tokenFetches,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- the other side of the callbacks: WeChat posting to the service ----------------------------------------

const cdata = (fields: Record<string, string | number>) =>
  `<xml>${Object.entries(fields)
    .map(([k, v]) => (typeof v === "number" ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`))
    .join("")}</xml>`;
const parser = new XMLParser({ parseTagValue: false });

export type MpMode = "plain" | "compatible" | "safe";

/** Posts a 服务号 message to the service as WeChat would, in plain, compatible or safe mode. */
export async function postMp(serviceUrl: string, fields: Record<string, string | number>, mode: MpMode = "safe", opts: { signature?: string } = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const signature = opts.signature ?? getSignature(MP.token, timestamp, nonce, "");
  const plain = cdata(fields);
  const q = new URLSearchParams({ signature, timestamp, nonce, openid: String(fields.FromUserName) });
  let body = plain;
  if (mode !== "plain") {
    const ciphertext = encrypt(MP.aesKey, plain, MP.appId);
    q.set("encrypt_type", "aes");
    q.set("msg_signature", getSignature(MP.token, timestamp, nonce, ciphertext));
    // Compatible mode sends the plaintext fields alongside the ciphertext; safe mode only the ciphertext.
    body = mode === "compatible" ? plain.replace("</xml>", `<Encrypt><![CDATA[${ciphertext}]]></Encrypt></xml>`) : cdata({ ToUserName: String(fields.ToUserName), Encrypt: ciphertext });
  }
  const res = await fetch(`${serviceUrl}/channels/wechat-mp?${q}`, { method: "POST", headers: { "content-type": "text/xml" }, body });
  const text = await res.text();
  return { status: res.status, text, reply: readMpReply(text, mode, timestamp, nonce) };
}

/** The passive reply's fields, decrypted and its signature checked in safe mode; null for "success" or nothing. */
function readMpReply(text: string, mode: MpMode, timestamp: string, nonce: string): Record<string, string> | null {
  if (!text.startsWith("<xml>")) return null;
  const outer = parser.parse(text).xml as Record<string, string>;
  if (mode === "plain") return outer;
  if (outer.MsgSignature !== getSignature(MP.token, String(outer.TimeStamp), String(outer.Nonce), outer.Encrypt)) throw new Error("the reply's signature is wrong");
  if (String(outer.TimeStamp) !== timestamp || String(outer.Nonce) !== nonce) throw new Error("the reply does not carry the request's timestamp and nonce");
  const { message, id } = decrypt(MP.aesKey, outer.Encrypt);
  if (id !== MP.appId) throw new Error("the reply is for another account");
  return parser.parse(message).xml;
}

/** A 服务号 text message's fields. */
export function mpText(openid: string, content: string, msgId: string) {
  return { ToUserName: "gh_minhu", FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: "text", Content: content, MsgId: msgId };
}

/** Posts a WeCom callback (always encrypted, receiveid = CorpID). */
export async function postWecom(serviceUrl: string, fields: Record<string, string | number>) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const ciphertext = encrypt(WECOM.aesKey, cdata(fields), WECOM.corpId);
  const q = new URLSearchParams({ msg_signature: getSignature(WECOM.token, timestamp, nonce, ciphertext), timestamp, nonce });
  const res = await fetch(`${serviceUrl}/channels/wecom?${q}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: cdata({ ToUserName: WECOM.corpId, AgentID: WECOM.agentId, Encrypt: ciphertext }),
  });
  return { status: res.status, text: await res.text() };
}

/** The environment that switches both official channels on against the stand-in. */
export function officialChannelsEnv(fake: FakeWechat): Record<string, string> {
  return {
    WECHAT_MP_APPID: MP.appId,
    WECHAT_MP_SECRET: MP.secret,
    WECHAT_MP_TOKEN: MP.token,
    WECHAT_MP_AES_KEY: MP.aesKey,
    WECHAT_API_BASE: fake.baseURL,
    WECOM_CORP_ID: WECOM.corpId,
    WECOM_SECRET: WECOM.secret,
    WECOM_TOKEN: WECOM.token,
    WECOM_AES_KEY: WECOM.aesKey,
    WECOM_AGENT_ID: String(WECOM.agentId),
    WECOM_API_BASE: fake.baseURL,
  };
}

/** A small, valid JPEG (16×12, blue; made by ffmpeg), as a camera would send it. */
export const TINY_JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgEBAQEBAUFBQUFBQYGBgYGBgYGBgYGBgYHBwcICAgHBwcGBgcHCAgICAkJCQgICAgJCQoKCgwMCwsODg4RERT/xABLAAEBAAAAAAAAAAAAAAAAAAAABQEBAAAAAAAAAAAAAAAAAAAABhABAAAAAAAAAAAAAAAAAAAAABEBAAAAAAAAAAAAAAAAAAAAAP/AABEIAAwAEAMBIgACEQADEQD/2gAMAwEAAhEDEQA/AIIB2Ov/2Q==",
  "base64",
);

/**
 * An AMR-NB file as RFC 4867 §5 lays it out: the "#!AMR\n" magic, then 12.2 kbit/s frames (a 0x3C header and
 * 31 bytes of speech parameters), 20 ms each. The parameters are a fixed pseudo-random pattern: it decodes to
 * noise, which is all the conversion and the player need.
 */
export function amrFile(seconds = 1): Buffer {
  const frames: Buffer[] = [Buffer.from("#!AMR\n", "latin1")];
  let x = 12345;
  for (let i = 0; i < seconds * 50; i++) {
    const frame = Buffer.alloc(32);
    frame[0] = 0x3c;
    for (let j = 1; j < 32; j++) frame[j] = (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    frames.push(frame);
  }
  return Buffer.concat(frames);
}
