// WeChat's and WeCom's callbacks: signatures, the encrypted envelope (WXBizMsgCrypt: AES-256-CBC with the
// EncodingAESKey, through the official @wecom/crypto) and the XML both speak (fast-xml-parser).
import { timingSafeEqual } from "node:crypto";
import { decrypt, encrypt, getSignature } from "@wecom/crypto";
import { XMLBuilder, XMLParser } from "fast-xml-parser";

/** A callback that is not from WeChat (401), or that is but cannot be read (400). */
export class CallbackError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

const parser = new XMLParser({ parseTagValue: false, trimValues: true, ignoreDeclaration: true, ignoreAttributes: true });
const builder = new XMLBuilder({ cdataPropName: "__cdata", format: false });

/** The fields of a flat WeChat XML document (`<xml><ToUserName>…</ToUserName>…</xml>`), all as strings. */
export function parseXml(body: string): Record<string, unknown> {
  // WeChat never sends a DOCTYPE; refusing one rules out entity expansion tricks.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new CallbackError(400, "XML with a DOCTYPE is not accepted");
  let doc: unknown;
  try {
    doc = parser.parse(body, true);
  } catch {
    throw new CallbackError(400, "the body is not well-formed XML");
  }
  const root = (doc as { xml?: unknown })?.xml;
  if (!root || typeof root !== "object" || Array.isArray(root)) throw new CallbackError(400, "the body has no <xml> element");
  return root as Record<string, unknown>;
}

/** `<xml>` with each field as CDATA text (numbers as they are), the shape WeChat's passive replies take. */
export function buildXml(fields: Record<string, string | number | Record<string, string>>): string {
  const xml: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) xml[k] = typeof v === "number" ? v : typeof v === "string" ? { __cdata: v } : wrap(v);
  return builder.build({ xml });
}
const wrap = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { __cdata: v }]));

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface SignedQuery {
  timestamp: string;
  nonce: string;
}

/**
 * One account's callback crypto: its Token, its EncodingAESKey, and the id the plaintext must end with
 * (the 服务号's AppID, WeCom's CorpID).
 */
export class CallbackCrypto {
  constructor(
    private readonly token: string,
    private readonly aesKey: string,
    private readonly receiveId: string,
  ) {}

  /** The 服务号's plain signature: sha1 over the sorted token, timestamp and nonce (an empty fourth part sorts first). */
  plainSignatureOk(q: SignedQuery & { signature: string }): boolean {
    return same(getSignature(this.token, q.timestamp, q.nonce, ""), q.signature.toLowerCase());
  }

  /** The message signature: sha1 over the sorted token, timestamp, nonce and ciphertext. */
  messageSignatureOk(q: SignedQuery & { msg_signature: string }, ciphertext: string): boolean {
    return same(getSignature(this.token, q.timestamp, q.nonce, ciphertext), q.msg_signature.toLowerCase());
  }

  /** The plaintext of a ciphertext whose signature was checked; refuses one made for another account. */
  decrypt(ciphertext: string): string {
    let opened: { message: string; id: string };
    try {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(ciphertext) || (ciphertext.length * 3) / 4 < 32) throw new Error("not base64 of a whole block");
      opened = decrypt(this.aesKey, ciphertext);
    } catch {
      throw new CallbackError(400, "the ciphertext cannot be decrypted");
    }
    if (opened.id !== this.receiveId) throw new CallbackError(400, "the ciphertext is for another account");
    return opened.message;
  }

  /** A passive reply in safe mode: the reply XML encrypted, in its signed envelope. */
  encryptReply(replyXml: string, timestamp: string, nonce: string): string {
    const ciphertext = encrypt(this.aesKey, replyXml, this.receiveId);
    return buildXml({ Encrypt: ciphertext, MsgSignature: getSignature(this.token, timestamp, nonce, ciphertext), TimeStamp: timestamp, Nonce: nonce });
  }

  /** Encrypts a message as WeChat would send it (the tests' stand-in for WeChat uses this). */
  encryptMessage(xml: string): string {
    return encrypt(this.aesKey, xml, this.receiveId);
  }

  signature(timestamp: string, nonce: string, ciphertext = ""): string {
    return getSignature(this.token, timestamp, nonce, ciphertext);
  }
}
