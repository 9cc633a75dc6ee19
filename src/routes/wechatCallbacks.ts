// The callback URLs WeChat and WeCom post to: /channels/wechat-mp (服务号) and /channels/wecom (企业微信 app and
// 微信客服). Thin: the adapter checks and reads the callback, the intake stores the message before anything else,
// and the answer goes back within WeChat's 5 seconds — the passive reply when it is ready, else "success" and the
// reply follows through the outbox. Refused callbacks store nothing and send nothing.
import Router from "@koa/router";
import type { Context } from "koa";
import getRawBody from "raw-body";
import type { Services } from "../services.ts";
import { CallbackError } from "../channels/wechat/callback.ts";
import type { WechatMpChannel } from "../channels/wechatMp/index.ts";
import type { WecomChannel, WecomKfChannel } from "../channels/wecom/index.ts";
import type { InboundMessage } from "../channels/types.ts";
import type { IntakeResult } from "../intake/types.ts";
import { claimPassiveReply, releaseReplies } from "../outbox.ts";

/** WeChat's messages are small XML documents; anything larger is not from it. */
const BODY_LIMIT = "1mb";

export function wechatCallbackRoutes(services: Services): Router {
  const { db, log, config } = services;
  const router = new Router({ prefix: "/channels" });
  const mp = services.channels.get("wechat-mp") as WechatMpChannel | undefined;
  const wecom = services.channels.get("wecom") as WecomChannel | undefined;
  const kf = services.channels.get("wecom-kf") as WecomKfChannel | undefined;

  /** Runs a callback's handler; a refused callback answers its status with an empty body, logged without the body. */
  const guarded = (channel: string, handler: (ctx: Context) => Promise<void> | void) =>
    async function callback(ctx: Context) {
      try {
        await handler(ctx);
      } catch (err) {
        if (!(err instanceof CallbackError)) throw err;
        log.warn({ channel, status: err.status, problem: err.message, ip: ctx.ip }, "callback refused");
        ctx.status = err.status;
        ctx.type = "text/plain";
        ctx.body = "";
      }
    };

  /** The message stored and processed, waiting at most WECHAT_REPLY_WAIT_MS; null when it is not done by then. */
  async function take(message: InboundMessage): Promise<{ done: Promise<IntakeResult>; result: IntakeResult | null }> {
    const done = services.intake.receive(message, services.clock());
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), config.WECHAT_REPLY_WAIT_MS)));
    const result = await Promise.race([done, late]).finally(() => clearTimeout(timer));
    return { done, result };
  }

  const flush = () => void services.dispatcher.flush(services.clock()).catch((err) => log.error({ err }, "outbox pass failed"));

  router.get("/wechat-mp", guarded("wechat-mp", (ctx) => {
    if (!mp) return notConfigured(ctx);
    ctx.type = "text/plain";
    ctx.body = mp.verifyUrl(ctx.query);
  }));

  router.post("/wechat-mp", guarded("wechat-mp", async (ctx) => {
    if (!mp) return notConfigured(ctx);
    const { message, reply } = mp.openCallback(ctx.query, await readBody(ctx));
    const { done, result } = await take(message);
    ctx.type = "text/plain";
    /** The stored message's row id (the replies point at it). */
    const inboundId = async () => (await db.inboundMessage.findUnique({ where: { channel_messageId: { channel: message.channel, messageId: message.messageId } }, select: { id: true } }))?.id;
    const inbound = result ? await inboundId() : undefined;
    if (!inbound) {
      // Too slow for WeChat: "success" now, and the reply as a 客服消息 once it is ready.
      ctx.body = "success";
      done
        .then(async () => {
          const id = await inboundId();
          if (id) await releaseReplies(db, id, services.clock());
          flush();
        })
        .catch((err) => log.error({ err, messageId: message.messageId }, "a late 服务号 message failed"));
      return;
    }
    const passive = await claimPassiveReply(db, inbound, services.clock());
    if (passive) {
      ctx.type = "application/xml";
      ctx.body = reply(passive.text);
    } else ctx.body = "success";
    flush();
  }));

  router.get("/wecom", guarded("wecom", (ctx) => {
    if (!wecom) return notConfigured(ctx);
    ctx.type = "text/plain";
    ctx.body = wecom.app.verifyUrl(ctx.query);
  }));

  router.post("/wecom", guarded("wecom", async (ctx) => {
    if (!wecom || !kf) return notConfigured(ctx);
    const callback = wecom.app.openCallback(ctx.query, await readBody(ctx));
    // WeCom takes an empty answer as "received"; replies go out through the app's API.
    ctx.type = "text/plain";
    ctx.body = "";
    if (callback.type === "kf") {
      // 微信客服 only says there is something new: pull it (in the background; WeCom does not wait for it).
      kf.sync(callback.openKfId, callback.token).catch((err) => log.warn({ err: (err as Error).message }, "微信客服 sync failed; the next nudge or restart reads on"));
      return;
    }
    if (callback.type === "other") return;
    const { done, result } = await take(callback.message);
    if (result) flush();
    else done.then(flush).catch((err) => log.error({ err }, "a late WeCom message failed"));
  }));

  return router;
}

function notConfigured(ctx: Context) {
  ctx.status = 404;
  ctx.type = "text/plain";
  ctx.body = "";
}

async function readBody(ctx: Context): Promise<string> {
  return getRawBody(ctx.req, { limit: BODY_LIMIT, encoding: "utf8", length: ctx.get("content-length") || undefined });
}
