// The one interface every channel adapter implements, and the normalised message every channel produces.
import { z } from "zod";

export const CHANNEL_NAMES = ["wechaty", "http", "simulator"] as const;
/** Channels residents write in. The outbox also delivers to webhooks (units' and areas' contacts). */
export type ChannelName = (typeof CHANNEL_NAMES)[number] | "webhook";

const id = z.string().trim().min(1).max(200);

export const inboundMessageSchema = z.object({
  channel: z.enum(CHANNEL_NAMES),
  messageId: id,
  chatId: id,
  chatName: z.string().trim().max(200).optional(),
  isGroup: z.boolean().default(false),
  senderId: id,
  senderName: z.string().trim().max(100).optional(),
  text: z.string().max(5000),
  mentionsBot: z.boolean().default(false),
  raw: z.unknown().optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export interface Mention {
  id: string;
  name?: string;
}

export interface OutboundMessage {
  outboxId: number;
  chatId: string;
  isGroup: boolean;
  text: string;
  mentions: Mention[];
}

export type ChannelState = "up" | "starting" | "waiting_for_login" | "down" | "stopped";

export interface ChannelHealth {
  state: ChannelState;
  detail?: string;
}

export interface Channel {
  readonly name: ChannelName;
  /** Whether the outbox dispatcher sends this channel's messages (false: they wait, e.g. HTTP without a callback). */
  readonly pushes: boolean;
  /** Replies to an inbound message travel back inside its request (HTTP) instead of through the outbox. */
  readonly answersInRequest: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  send(message: OutboundMessage): Promise<void>;
  health(): ChannelHealth;
  /** The group chats the bot is in now, for an administrator choosing which to serve (channels that can tell). */
  groups?(): Promise<{ chatId: string; name: string }[]>;
}
