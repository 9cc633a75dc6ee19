// The generic HTTP channel: other systems post a chat message and get the bot's replies in the response.
import Router from "@koa/router";
import { z } from "zod";
import type { Channel, ChannelHealth, OutboundMessage } from "../types.ts";
import type { Services } from "../../services.ts";
import { parseInput, requireTokenOrLocal } from "../../http/middleware.ts";

export class HttpChannel implements Channel {
  readonly name = "http" as const;
  readonly answersInRequest = true;
  /** Later messages (progress, surveys) are posted to the integration's callback URL, when it has one. */
  readonly pushes: boolean;

  constructor(private readonly callback?: { url: string; token?: string }) {
    this.pushes = Boolean(callback);
  }

  async start() {}
  async stop() {}
  async send(m: OutboundMessage): Promise<void> {
    if (!this.callback) throw new Error("no HTTP_CHANNEL_CALLBACK_URL configured");
    const res = await fetch(this.callback.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.callback.token ? { authorization: `Bearer ${this.callback.token}` } : {}) },
      body: JSON.stringify({ id: m.outboxId, chatId: m.chatId, isGroup: m.isGroup, text: m.text, mentions: m.mentions.map((x) => x.id) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`callback answered HTTP ${res.status}`);
  }
  health(): ChannelHealth {
    return { state: "up" };
  }
}

const id = (max: number) => z.string().trim().min(1).max(max);
export const httpMessageSchema = z.object({
  messageId: id(200),
  chatId: id(200),
  chatName: z.string().trim().max(200).optional(),
  isGroup: z.boolean().optional().default(false),
  senderId: id(200),
  senderName: z.string().trim().max(100).optional(),
  text: z.string().trim().min(1).max(5000),
  mentionsBot: z.boolean().optional().default(false),
});

export function httpChannelRoutes(services: Services): Router {
  const router = new Router();
  router.post("/api/channels/http/messages", requireTokenOrLocal(services.config.HTTP_CHANNEL_TOKEN), async (ctx) => {
    const body = parseInput(httpMessageSchema, ctx.request.body);
    const now = services.clock();
    const result = await services.intake.receive({ channel: "http", ...body, raw: ctx.request.body }, now);
    // The replies travel back in this response, which is their delivery (the intake recorded them as sent).
    ctx.body = {
      replies: result.replies,
      ...(result.case ? { case: result.case } : {}),
      outcome: result.outcome,
      ...(result.ignored ? { ignored: result.ignored } : {}),
    };
  });
  return router;
}
