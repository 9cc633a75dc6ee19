// The one interface every channel adapter implements, and the normalised message every channel produces.
import { z } from "zod";

export const CHANNEL_NAMES = ["wechaty", "http", "simulator", "wechat-mp", "wecom", "wecom-kf"] as const;
/** Channels people write in. The outbox also delivers to webhooks (units' and areas' contacts). */
export type ChannelName = (typeof CHANNEL_NAMES)[number] | "webhook";
/** Channels a unit's or an area's contact (a room, a person, a member) may be on. */
export const CONTACT_CHANNELS = ["wechaty", "simulator", "wecom"] as const;
/** Channels whose chats can carry a resident's photo to a unit; the others get a signed, time-limited link. */
const CARRIES_IMAGES = new Set<string>(["wechaty", "simulator", "wecom"]);
export const carriesImages = (channel: string) => CARRIES_IMAGES.has(channel);

export const MESSAGE_KINDS = ["text", "image", "voice", "location", "event", "unsupported"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

const id = z.string().trim().min(1).max(200);

/** A photo or a voice message: where the channel keeps it, or its bytes when the channel hands them over. */
export const mediaRefSchema = z.object({
  kind: z.enum(["image", "voice"]),
  /** WeChat's MediaId (temporary media, kept 3 days), fetched through the channel's media API. */
  mediaId: z.string().trim().min(1).max(500).optional(),
  /** WeChat's PicUrl, when the media API cannot be used. */
  url: z.url().max(2000).optional(),
  /** amr | speex | mp3 … as the channel says. */
  format: z.string().trim().max(20).optional(),
  /** Bytes the channel already has (a Wechaty FileBox, a simulator upload). */
  data: z.instanceof(Buffer).optional(),
  fileName: z.string().trim().max(200).optional(),
});
export type MediaRef = z.infer<typeof mediaRefSchema>;

export const locationSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  scale: z.number().int().min(0).max(30).optional(),
  label: z.string().trim().max(300).optional(),
});
export type LocationPin = z.infer<typeof locationSchema>;

export const inboundMessageSchema = z.object({
  channel: z.enum(CHANNEL_NAMES),
  messageId: id,
  chatId: id,
  chatName: z.string().trim().max(200).optional(),
  isGroup: z.boolean().default(false),
  senderId: id,
  senderName: z.string().trim().max(100).optional(),
  kind: z.enum(MESSAGE_KINDS).default("text"),
  /** The words: a text, a voice message's transcript (WeChat's Recognition), a location's label, or "". */
  text: z.string().max(5000),
  media: mediaRefSchema.optional(),
  location: locationSchema.optional(),
  /** subscribe | unsubscribe (服务号 follow events); other events are stored as they are. */
  event: z.string().trim().max(50).optional(),
  mentionsBot: z.boolean().default(false),
  raw: z.unknown().optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;
/** What a channel hands the intake: a message with the defaults (a text, not in a group) left out. */
export type InboundMessageInput = z.input<typeof inboundMessageSchema>;

export interface Mention {
  id: string;
  name?: string;
}

/** A stored file that goes with a message (a resident's photo, to a unit whose chat can carry it). */
export interface OutboundMedia {
  kind: "image" | "voice";
  /** Absolute path of the file. */
  path: string;
  mime: string;
  fileName: string;
}

/** What a subscription notice (订阅通知) is filled from: short fields the template's keywords take. */
export interface Notice {
  case_number: string;
  matter_name: string;
  status: string;
  summary: string;
  unit: string;
  time: string;
  /** A page the notice opens (the survey's answer page). */
  url?: string;
}

export interface OutboundMessage {
  outboxId: number;
  chatId: string;
  isGroup: boolean;
  text: string;
  mentions: Mention[];
  /** reply | progress | survey | unit_dispatch | … (the outbox row's kind). */
  kind: string;
  media: OutboundMedia[];
  notice: Notice | null;
  /** For channels with a reply window: when the person last wrote in this chat, and what was sent since. */
  window: { lastInboundAt: Date | null; sentSince: number } | null;
  now: Date;
}

/** How a message went out, when a channel has more than one way (客服消息, 订阅通知 …). */
export interface SendReceipt {
  via: string;
}

/**
 * The channel cannot reach this person now, and trying again will not help until they write again (WeChat's
 * 48-hour window has closed and no subscription notice can carry it). The outbox keeps the message as
 * undeliverable, shows it on the case, and releases it when the person writes again.
 */
export class UndeliverableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** standby: another instance holds the channel's one connection (channels/lease.ts); this one takes over if it stops. */
export type ChannelState = "up" | "starting" | "waiting_for_login" | "down" | "stopped" | "standby";

export interface ChannelHealth {
  state: ChannelState;
  detail?: string;
  /** Whether the channel's API token could be fetched (official channels). */
  tokenOk?: boolean | null;
  lastError?: { at: string; message: string } | null;
  /** A Wechaty login QR code's content, to be drawn on this machine's console (never sent to an outside site). */
  qrcode?: string;
}

export interface Channel {
  readonly name: ChannelName;
  /** Whether the outbox dispatcher sends this channel's messages (false: they wait, e.g. HTTP without a callback). */
  readonly pushes: boolean;
  /** Replies to an inbound message travel back inside its request (HTTP) instead of through the outbox. */
  readonly answersInRequest: boolean;
  /**
   * Replies are held this long for the callback to answer them itself (the 服务号's passive reply); what the
   * callback does not take in time goes out through the outbox as usual.
   */
  readonly replyHoldMs?: number;
  /** The channel may write to a person only within hours of their last message (and up to so many messages). */
  readonly replyWindow?: { hours: number; maxMessages?: number };
  start(): Promise<void>;
  stop(): Promise<void>;
  send(message: OutboundMessage): Promise<SendReceipt | void>;
  health(): ChannelHealth;
  /** Fetches a photo or voice message the channel keeps (WeChat's temporary media). */
  fetchMedia?(ref: MediaRef): Promise<{ bytes: Buffer; contentType?: string }>;
  /** The group chats the bot is in now, for an administrator choosing which to serve (channels that can tell). */
  groups?(): Promise<{ chatId: string; name: string }[]>;
}
