// 渠道状态 for administrators: each channel's state (configured, token ok, last message, last error, messages kept
// as undeliverable), the callback URL to paste into the 服务号 or WeCom admin, and the Wechaty login QR code,
// drawn on the console from its modules (the code never leaves this service).
import Router from "@koa/router";
import QRCode from "qrcode";
import type { Services } from "../services.ts";
import { requireUser } from "../auth/sessions.ts";

/** Every channel the service has, whether configured here or not, with what switches it on. */
const CHANNELS = [
  { name: "wechat-mp", label: "服务号", path: "/channels/wechat-mp", switch: "WECHAT_MP_APPID、WECHAT_MP_SECRET、WECHAT_MP_TOKEN、WECHAT_MP_AES_KEY" },
  { name: "wecom", label: "企业微信应用（单位、网格员）", path: "/channels/wecom", switch: "WECOM_CORP_ID、WECOM_SECRET、WECOM_TOKEN、WECOM_AES_KEY、WECOM_AGENT_ID" },
  { name: "wecom-kf", label: "微信客服（居民）", path: "/channels/wecom", switch: "同企业微信应用；在微信客服后台把客服账号交给该应用" },
  { name: "wechaty", label: "个人微信（Wechaty，易被封号）", path: null, switch: "WECHATY_PUPPET" },
  { name: "http", label: "HTTP 渠道", path: "/api/channels/http/messages", switch: "始终开启（HTTP_CHANNEL_TOKEN 设置访问令牌）" },
  { name: "simulator", label: "模拟器", path: "/simulator", switch: "SIMULATOR_ENABLED" },
  { name: "webhook", label: "Webhook（单位、网格的机器人地址）", path: null, switch: "始终开启" },
] as const;

export function adminChannelRoutes(services: Services): Router {
  const { db, config } = services;
  const router = new Router({ prefix: "/api/admin" });
  router.use(requireUser(db, ["admin"], services.clock));

  router.get("/channels", async (ctx) => {
    const [last, undeliverable] = await Promise.all([
      db.inboundMessage.groupBy({ by: ["channel"], _max: { receivedAt: true } }),
      db.outbox.groupBy({ by: ["channel"], where: { status: "undeliverable" }, _count: true }),
    ]);
    const base = config.PUBLIC_URL?.replace(/\/+$/, "") ?? null;
    ctx.body = {
      publicUrl: base,
      ffmpeg: services.ffmpegOk,
      transcription: services.media.canTranscribe,
      channels: await Promise.all(
        CHANNELS.map(async (c) => {
          const channel = services.channels.get(c.name);
          const health = channel?.health();
          return {
            name: c.name,
            label: c.label,
            configured: Boolean(channel),
            switch: c.switch,
            state: health?.state ?? "off",
            detail: health?.detail ?? null,
            tokenOk: health?.tokenOk ?? null,
            lastError: health?.lastError ?? null,
            lastMessageAt: last.find((l) => l.channel === c.name)?._max.receivedAt ?? null,
            undeliverable: undeliverable.find((u) => u.channel === c.name)?._count ?? 0,
            callbackUrl: c.path && (c.name === "wechat-mp" || c.name === "wecom" || c.name === "wecom-kf") ? (base ? `${base}${c.path}` : null) : null,
            callbackPath: c.path,
            qr: health?.qrcode ? qrModules(health.qrcode) : null,
          };
        }),
      ),
    };
  });
  return router;
}

/** A QR code as its modules, row by row ("1" dark), for the page to draw. */
function qrModules(text: string): { size: number; modules: string } {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  return { size: qr.modules.size, modules: Array.from(qr.modules.data, (d) => (d ? "1" : "0")).join("") };
}
