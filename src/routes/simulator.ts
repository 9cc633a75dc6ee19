// The web simulator: a page where a person plays residents in a simulated group or private chat and sees the
// bot's replies, so the whole flow can be tried without a WeChat account. Its transcript is read from the database.
// This machine only (requireLocal), and only while the simulator is on (app.ts).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { PAGE_CSP, parseInput, requireLocal } from "../http/middleware.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { AuthorizationError, NotFoundError, ValidationError } from "../errors.ts";
import { runFollowUp } from "../followup/run.ts";
import { locationSchema } from "../channels/types.ts";
import { sendAttachment } from "./media.ts";
import { isRowId } from "../http/ids.ts";

const PAGE = path.resolve(import.meta.dirname, "../web/simulator.html");
const SCRIPT = path.resolve(import.meta.dirname, "../web/simulator.js");

const postSchema = z
  .object({
    chatId: z.string().trim().min(1).max(200),
    senderId: z.string().trim().min(1).max(200),
    senderName: z.string().trim().min(1).max(50),
    text: z.string().trim().max(2000).default(""),
    mentionsBot: z.boolean().default(false),
    /** A photo or a voice recording from the page, as base64 (up to 5 MB). */
    file: z.object({ kind: z.enum(["image", "voice"]), name: z.string().trim().max(200).default("upload"), base64: z.string().max(7_000_000, "文件不能超过 5 MB") }).optional(),
    location: locationSchema.optional(),
  })
  .refine((b) => b.text || b.file || b.location, { message: "请输入消息内容", path: ["text"] });
const transcriptSchema = z.object({
  chatId: z.string().trim().min(1).max(200),
  after: z.coerce.date().optional(),
});

export function simulatorRoutes(services: Services): Router {
  const { db } = services;
  const router = new Router();
  router.use(requireLocal());

  // The console's security headers: no inline script, nothing from elsewhere, not framed.
  router.get("/simulator", async (ctx) => {
    ctx.type = "html";
    ctx.set("Content-Security-Policy", PAGE_CSP);
    ctx.set("Cache-Control", "no-cache");
    ctx.body = await readFile(PAGE, "utf8");
  });
  router.get("/simulator.js", async (ctx) => {
    ctx.type = "application/javascript";
    ctx.set("Cache-Control", "no-cache");
    ctx.body = await readFile(SCRIPT, "utf8");
  });

  router.get("/api/simulator/chats", async (ctx) => {
    const groups = await db.chatGroup.findMany({ where: { channel: "simulator", enabled: true }, include: { grid: true }, orderBy: { id: "asc" } });
    ctx.body = {
      botName: services.config.BOT_NAME,
      triggerPrefixes: services.config.TRIGGER_PREFIXES,
      chats: groups.map((g) => ({ chatId: g.chatId, name: g.name, isGroup: true, grid: g.grid?.name ?? null })),
      // Units' and areas' work groups: where a person plays the unit (签收, 办结) and sees 催办 and 督办.
      workRooms: await workRooms(),
      clock: clockState(),
    };
  });

  async function workRooms() {
    const [units, areas] = await Promise.all([
      db.unitContact.findMany({ where: { channel: "simulator", kind: "room" }, include: { unit: true }, orderBy: { id: "asc" } }),
      db.areaContact.findMany({ where: { channel: "simulator", kind: "room" }, include: { area: true }, orderBy: { id: "asc" } }),
    ]);
    return [
      ...units.map((c) => ({ chatId: c.address, name: c.name ?? c.unit.name, isGroup: true, role: "unit", owner: c.unit.name })),
      ...areas.map((c) => ({ chatId: c.address, name: c.name ?? c.area.name, isGroup: true, role: "area", owner: c.area.name })),
    ];
  }

  function clockState() {
    const now = services.clock();
    return { now: now.toISOString(), offsetMs: services.clockControl.offset, adjustable: services.clockControl.adjustable };
  }

  const clockSchema = z.object({ advanceHours: z.number().positive().max(24 * 30) });
  // Development only: move the service's clock forward and run the follow-up that falls due.
  router.post("/api/simulator/clock", async (ctx) => {
    const { advanceHours } = parseInput(clockSchema, ctx.request.body);
    if (!services.clockControl.adjustable) throw AuthorizationError("只有开发模式（NODE_ENV=development）可以调整时钟");
    // Step an hour at a time, so reminders and surveys come out in the order they fall due.
    for (let left = advanceHours; left > 0; left -= 1) {
      services.clockControl.advance(Math.min(1, left) * 3600_000);
      await runFollowUp(services);
    }
    ctx.body = { clock: clockState() };
  });

  router.post("/api/simulator/messages", async (ctx) => {
    const body = parseInput(postSchema, ctx.request.body);
    const isGroup = !body.chatId.startsWith("sim-private-");
    const group = isGroup ? await db.chatGroup.findFirst({ where: { channel: "simulator", chatId: body.chatId } }) : null;
    const room = isGroup && !group ? (await workRooms()).find((r) => r.chatId === body.chatId) : undefined;
    if (isGroup && !group && !room) throw NotFoundError("没有这个模拟群");
    const now = services.clock();
    const chatName = group?.name ?? room?.name ?? body.senderName;
    const { file, location, ...words } = body;
    const data = file ? Buffer.from(file.base64, "base64") : undefined;
    if (file && !data?.length) throw ValidationError("文件内容为空");
    const kind = file ? file.kind : location ? "location" : "text";
    const result = await services.intake.receive(
      {
        channel: "simulator",
        messageId: randomUUID(),
        isGroup,
        chatName,
        ...words,
        kind,
        text: location && !words.text ? (location.label ?? "") : words.text,
        ...(file ? { media: { kind: file.kind, data, fileName: file.name } } : {}),
        ...(location ? { location } : {}),
      },
      now,
    );
    await services.dispatcher.flush(now);
    ctx.body = result;
  });

  router.get("/api/simulator/messages", async (ctx) => {
    const q = parseInput(transcriptSchema, ctx.query);
    const after = q.after ?? new Date(0);
    const [inbound, outbound] = await Promise.all([
      db.inboundMessage.findMany({
        where: { channel: "simulator", chatId: q.chatId, receivedAt: { gt: after } },
        orderBy: { id: "asc" },
        take: 200,
        include: { case: { select: { number: true } }, attachments: { orderBy: { id: "asc" } } },
      }),
      db.outbox.findMany({
        where: { channel: "simulator", chatId: q.chatId, status: "sent", sentAt: { gt: after } },
        orderBy: { id: "asc" },
        take: 200,
        include: { case: { include: { matter: true, leadUnit: true } } },
      }),
    ]);
    const messages = [
      ...inbound.map((m) => ({
        key: `in-${m.id}`,
        from: "resident",
        senderId: m.senderId,
        senderName: m.senderName,
        kind: m.kind,
        // Masked like a group reply: the page is a demonstration, not a place to read residents' numbers.
        text: redactPersonalData(m.text),
        at: m.receivedAt,
        caseNumber: m.case?.number ?? null,
        attachments: m.attachments.map(simulatorAttachment),
      })),
      ...outbound.map((m) => ({
        key: `out-${m.id}`,
        from: "bot",
        text: redactPersonalData(m.text),
        mentions: m.mentions,
        // Photos the bot passed on (to a unit's work room).
        attachments: (m.attachments as number[]).map((id) => ({ kind: "image", url: `/api/simulator/media/${id}` })),
        at: m.sentAt!,
        case: m.case ? { number: m.case.number, status: m.case.status, matter: m.case.matter?.name ?? null, leadUnit: m.case.leadUnit?.name ?? null, urgency: m.case.urgency, resolveDueAt: m.case.resolveDueAt } : null,
      })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.from === "resident" ? -1 : 1));
    ctx.body = { messages };
  });

  // The simulator's own photos and voice (nothing from real channels), for its transcript.
  router.get("/api/simulator/media/:id", async (ctx) => {
    const id = Number(ctx.params.id);
    const a = isRowId(id) ? await db.attachment.findUnique({ where: { id } }) : null;
    if (!a || a.channel !== "simulator" || a.kind === "location") throw NotFoundError("文件不存在");
    await sendAttachment(ctx, services.media.files, a, a.kind === "voice" && a.playablePath ? "mp3" : "original");
  });

  return router;
}

function simulatorAttachment(a: { id: number; kind: string; status: string; label: string | null; latitude: number | null; longitude: number | null }) {
  if (a.kind === "location") return { kind: "location", label: a.label, latitude: a.latitude, longitude: a.longitude };
  return { kind: a.kind, status: a.status, url: a.status === "stored" ? `/api/simulator/media/${a.id}` : null };
}
