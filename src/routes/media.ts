// Serving residents' photos and voice messages. On the console and the API they are read through the case
// (/api/cases/:number/attachments/:id, with the case's own access check); for a unit whose chat cannot carry
// images, through a link that works only with its signature and until it expires (/media/:id).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import Router from "@koa/router";
import type { Context } from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { AppError, NotFoundError } from "../errors.ts";
import type { AttachmentRow } from "../media/service.ts";
import type { MediaFiles } from "../media/files.ts";
import { rowId } from "../http/ids.ts";

/** Sends a stored file as it is, never as something the browser could run. `mp3`: a voice message's MP3. */
export async function sendAttachment(ctx: Context, files: MediaFiles, a: AttachmentRow, variant: "original" | "mp3") {
  const rel = variant === "mp3" ? a.playablePath : a.path;
  if (a.status !== "stored" || !rel) throw NotFoundError(a.status === "pending" ? "文件还在下载中，请稍后再试" : "文件不存在或已删除");
  const abs = files.abs(rel);
  const info = await stat(abs).catch(() => null);
  if (!info) throw NotFoundError("文件不存在或已删除");
  ctx.type = variant === "mp3" ? "audio/mpeg" : (a.mime ?? "application/octet-stream");
  ctx.length = info.size;
  ctx.set("Cache-Control", "private, max-age=3600");
  ctx.set("Content-Disposition", `inline; filename="${path.basename(rel)}"`);
  ctx.set("Content-Security-Policy", "default-src 'none'; sandbox");
  ctx.body = createReadStream(abs);
}

const signed = z.object({ exp: z.coerce.number().int().positive(), sig: z.string().regex(/^[A-Za-z0-9_-]{32}$/) });
const idParam = z.object({ id: rowId });

export function mediaRoutes(services: Services): Router {
  const router = new Router();
  router.get("/media/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const q = signed.safeParse(ctx.query);
    if (!q.success || !services.links.mediaOk(id, q.data.exp, q.data.sig, services.clock())) throw new AppError("link_invalid", 403, "链接无效或已过期");
    const a = await services.db.attachment.findUnique({ where: { id } });
    if (!a || a.kind !== "image") throw NotFoundError("文件不存在或已删除");
    await sendAttachment(ctx, services.media.files, a, "original");
  });
  return router;
}
