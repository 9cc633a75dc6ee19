// The HTTP channel's one route: another system posts a chat message and gets the bot's replies in the response.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput, requireTokenOrLocal } from "../http/middleware.ts";

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
