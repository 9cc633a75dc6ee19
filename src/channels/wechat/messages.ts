// The XML messages WeChat posts to a 服务号's callback and WeCom to an app's: the same fields in both (WeCom's
// voice carries no Recognition), read into the intake's message. Types the bot cannot read come as "unsupported".
import { z } from "zod";
import { inboundMessageSchema, type InboundMessage } from "../types.ts";
import { CallbackError } from "./callback.ts";

const num = z.coerce.number();
/** The fields every message has; the rest depend on MsgType. */
const envelope = z.object({
  ToUserName: z.string().max(100),
  FromUserName: z.string().min(1).max(100),
  CreateTime: num.int().nonnegative(),
  MsgType: z.string().min(1).max(30),
  MsgId: z.string().max(64).optional(),
});
const bodies = {
  text: z.object({ Content: z.string().max(5000) }),
  image: z.object({ PicUrl: z.url().max(2000).optional(), MediaId: z.string().min(1).max(500) }),
  voice: z.object({ MediaId: z.string().min(1).max(500), Format: z.string().max(20).optional(), Recognition: z.string().max(2000).optional() }),
  location: z.object({ Location_X: num.min(-90).max(90), Location_Y: num.min(-180).max(180), Scale: num.int().min(0).max(30).optional(), Label: z.string().max(300).optional() }),
  event: z.object({ Event: z.string().min(1).max(60), EventKey: z.string().max(500).optional() }),
};

/** A callback's fields as the intake's message; the chat is the sender (an openid, a WeCom userid). */
export function readCallbackMessage(channel: "wechat-mp" | "wecom", fields: Record<string, unknown>): InboundMessage {
  const env = envelope.safeParse(fields);
  if (!env.success) throw new CallbackError(400, `the message lacks ${env.error.issues[0]?.path.join(".") || "fields"}`);
  const e = env.data;
  const from = e.FromUserName;
  const base = { channel, chatId: from, senderId: from, isGroup: false, messageId: e.MsgId || `${from}:${e.CreateTime}`, raw: fields };
  const read = <S extends z.ZodType>(schema: S): z.infer<S> => {
    const r = schema.safeParse(fields);
    if (!r.success) throw new CallbackError(400, `a ${e.MsgType} message lacks ${r.error.issues[0]?.path.join(".")}`);
    return r.data;
  };
  let m: Record<string, unknown>;
  switch (e.MsgType) {
    case "text":
      m = { ...base, kind: "text", text: read(bodies.text).Content };
      break;
    case "image": {
      const b = read(bodies.image);
      m = { ...base, kind: "image", text: "", media: { kind: "image", mediaId: b.MediaId, url: b.PicUrl } };
      break;
    }
    case "voice": {
      const b = read(bodies.voice);
      // Recognition: the 服务号's own speech recognition, when the account has it switched on.
      m = { ...base, kind: "voice", text: b.Recognition?.trim() ?? "", media: { kind: "voice", mediaId: b.MediaId, format: b.Format?.toLowerCase() } };
      break;
    }
    case "location": {
      const b = read(bodies.location);
      m = { ...base, kind: "location", text: b.Label ?? "", location: { latitude: b.Location_X, longitude: b.Location_Y, scale: b.Scale, label: b.Label || undefined } };
      break;
    }
    case "event": {
      const b = read(bodies.event);
      // Events carry no MsgId; WeChat's retries repeat the sender and CreateTime.
      m = { ...base, messageId: `event:${from}:${e.CreateTime}:${b.Event}`, kind: "event", text: "", event: b.Event.toLowerCase() };
      break;
    }
    default:
      m = { ...base, kind: "unsupported", text: "" };
  }
  return parseMessage(m);
}

/** The normalised message, or a 400 for the callback that brought something that does not fit. */
export function parseMessage(m: Record<string, unknown>): InboundMessage {
  const parsed = inboundMessageSchema.safeParse(m);
  if (!parsed.success) throw new CallbackError(400, `the message does not fit: ${parsed.error.issues[0]?.path.join(".")}`);
  return parsed.data;
}
