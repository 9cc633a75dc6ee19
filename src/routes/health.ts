// GET /health: the state of the database and of each channel. Public, and says nothing about people.
import Router from "@koa/router";
import type { Services } from "../services.ts";

export function healthRoutes(services: Services): Router {
  const router = new Router();
  router.get("/health", async (ctx) => {
    let database: { state: "up" | "down"; detail?: string };
    try {
      await services.db.$queryRawUnsafe("SELECT 1");
      database = { state: "up" };
    } catch (err) {
      services.log.error({ err }, "health: database unreachable");
      database = { state: "down", detail: "数据库不可用" };
    }
    // No QR code here: this page is public, and whoever scans the code becomes the bot.
    const channels = Object.fromEntries([...services.channels].map(([name, c]) => {
      const { qrcode: _qr, ...health } = c.health();
      return [name, health];
    }));
    const undeliverable = database.state === "up" ? await services.db.outbox.count({ where: { status: "undeliverable" } }) : null;
    const ok = database.state === "up";
    ctx.status = ok ? 200 : 503;
    ctx.body = {
      status: ok ? "ok" : "degraded",
      database,
      channels,
      /** Messages to residents no channel could deliver (shown on their cases). */
      undeliverable,
      media: { ffmpeg: services.ffmpegOk, transcription: services.media.canTranscribe },
      classifier: services.classifierName,
      matters: services.reference.catalogue.matters.length,
    };
  });
  return router;
}
