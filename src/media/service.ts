// Residents' photos, voice messages and location pins: recorded with the message that brought them, fetched
// from the channel (WeChat keeps temporary media for 3 days), checked by content, stored content-addressed,
// voice converted to MP3 and, when a speech-to-text model is configured, transcribed. A fetch that fails is
// retried by the scheduler. Photos of a case go to its lead unit once both the photo and the dispatch exist.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { sqlRows, sqlTime, type Db, type Prisma } from "../db.ts";
import { modelColumns } from "../rawRows.ts";
import type { Logger } from "../log.ts";
import type { Channel, InboundMessage } from "../channels/types.ts";
import type { Replies } from "../texts/replies.ts";
import { checkMedia, MediaRejected } from "./check.ts";
import { MediaFiles } from "./files.ts";
import { toMp3 } from "./voice.ts";
import type { SignedLinks } from "./links.ts";
import type { Transcriber } from "./transcribe.ts";
import { dispatchRound, scheduleJob } from "../followup/schedule.ts";
import { WORKING_STATUSES, type CaseStatus } from "../domain/case.ts";
import { notifyUnitMedia } from "../followup/notify.ts";

type Tx = Prisma.TransactionClient;
export type AttachmentRow = Prisma.AttachmentGetPayload<object>;

/** A sender's photos and pins in a chat since a time that no case has taken yet, oldest first. */
/** Photos and pins that wait for words: on no case yet, stored or being fetched, sent since `?t` (intake/groupCommit.ts asks too). */
export const LOOSE_MEDIA = `"caseId" IS NULL AND "kind" IN ('image', 'location') AND "status" IN ('pending', 'stored') AND "createdAt" >= ?t`;
const LOOSE = (columns: string) => `SELECT ${columns} FROM "Attachment" WHERE "channel" = ? AND "chatId" = ? AND "senderId" = ? AND ${LOOSE_MEDIA} ORDER BY "id" ASC`;
/** A case's stored photos (every dispatch asks). */
const CASE_PHOTOS = (columns: string) => `SELECT ${columns} FROM "Attachment" WHERE "caseId" = ? AND "kind" = 'image' AND "status" = 'stored' ORDER BY "id" ASC`;

/** WeChat keeps temporary media this long; after it a fetch cannot succeed. */
const MEDIA_LIFETIME_MS = 3 * 86400_000;
/** How long a unit's link to a photo works. */
export const LINK_DAYS = 7;

export interface MediaDeps {
  db: Db;
  log: Logger;
  files: MediaFiles;
  channels: Map<string, Channel>;
  replies: Replies;
  links: SignedLinks;
  /** ffmpeg's path, or null when it is not installed (voice is then kept as it came). */
  ffmpeg: string | null;
  transcriber: Transcriber | null;
}

export class MediaService {
  constructor(private readonly deps: MediaDeps) {}

  get files(): MediaFiles {
    return this.deps.files;
  }

  get canTranscribe(): boolean {
    return this.deps.transcriber !== null;
  }

  /** The Attachment rows a message brings, created in the transaction that stores the message. */
  static rowsFor(m: InboundMessage, inboundId: number, now: Date): Prisma.AttachmentCreateManyInput[] {
    const base = { inboundId, channel: m.channel, chatId: m.chatId, senderId: m.senderId, createdAt: now };
    const rows: Prisma.AttachmentCreateManyInput[] = [];
    if (m.media) {
      rows.push({
        ...base,
        kind: m.media.kind,
        mediaId: m.media.mediaId,
        sourceUrl: m.media.url,
        format: m.media.format,
        ...(m.kind === "voice" && m.text.trim() ? { recognition: m.text.trim(), recognitionSource: "wechat" } : {}),
      });
    }
    if (m.location) {
      rows.push({ ...base, kind: "location", status: "stored", storedAt: now, latitude: m.location.latitude, longitude: m.location.longitude, label: m.location.label || null });
    }
    return rows;
  }

  /** Stores bytes the channel handed over with the message (Wechaty, the simulator). */
  async storeInline(attachmentId: number, bytes: Buffer, now: Date): Promise<boolean> {
    try {
      await this.store(attachmentId, bytes, now);
      return true;
    } catch (err) {
      await this.failed(attachmentId, err as Error, now, false, true);
      return false;
    }
  }

  /**
   * Fetches the attachments of these ids that are not stored yet, waiting at most `waitMs`; what is not done by
   * then goes on in the background (and is retried by the scheduler if it fails).
   */
  async fetchAll(ids: number[], now: Date, waitMs: number): Promise<void> {
    if (!ids.length) return;
    const pending = await this.deps.db.attachment.findMany({ where: { id: { in: ids }, status: "pending" }, select: { id: true } });
    if (!pending.length) return;
    const all = Promise.all(pending.map((a) => this.fetch(a.id, now)));
    await Promise.race([all, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  /**
   * Fetches one attachment from its channel; false when it could not. The first failure schedules a media_fetch
   * job, whose retries back off like every job's (the job calls this with `retry: false` and fails in turn).
   */
  async fetch(attachmentId: number, now: Date, opts: { retry: boolean } = { retry: true }): Promise<boolean> {
    const a = await this.deps.db.attachment.findUnique({ where: { id: attachmentId } });
    if (!a || a.status !== "pending") return a?.status === "stored";
    const channel = this.deps.channels.get(a.channel);
    try {
      if (!channel?.fetchMedia) throw new Error(`channel ${a.channel} cannot fetch media`);
      const { bytes } = await channel.fetchMedia({ kind: a.kind as "image" | "voice", mediaId: a.mediaId ?? undefined, url: a.sourceUrl ?? undefined, format: a.format ?? undefined });
      await this.store(a.id, bytes, now);
      return true;
    } catch (err) {
      await this.failed(a.id, err as Error, now, opts.retry && !(err instanceof MediaRejected), err instanceof MediaRejected);
      return false;
    }
  }

  private async store(attachmentId: number, bytes: Buffer, now: Date) {
    const a = await this.deps.db.attachment.findUniqueOrThrow({ where: { id: attachmentId } });
    const kind = a.kind as "image" | "voice";
    const type = await checkMedia(kind, bytes);
    const stored = await this.deps.files.put(bytes, type.ext);
    let playablePath: string | null = null;
    if (kind === "voice") playablePath = type.mime === "audio/mpeg" ? stored.path : await this.playable(stored.path);
    await this.deps.db.$transaction(async (tx) => {
      const updated = await tx.attachment.update({
        where: { id: attachmentId },
        data: { status: "stored", sha256: stored.sha256, mime: type.mime, size: bytes.length, path: stored.path, playablePath, storedAt: now, lastError: null, attempts: { increment: 1 } },
      });
      // A photo of a case that is already with its unit follows the dispatch.
      if (updated.caseId && kind === "image") await this.forward(tx, updated.caseId, [attachmentId], now);
    });
    this.deps.log.info({ attachmentId, kind, mime: type.mime, size: bytes.length }, "media stored");
  }

  /** The voice as MP3, next to the original; null when ffmpeg is missing or cannot read it. */
  private async playable(rel: string): Promise<string | null> {
    if (!this.deps.ffmpeg) return null;
    const out = this.deps.files.derived(rel, "mp3");
    try {
      await toMp3(this.deps.ffmpeg, this.deps.files.abs(rel), this.deps.files.abs(out));
      return out;
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, file: path.basename(rel) }, "voice kept as it came: could not convert it");
      return null;
    }
  }

  /** Records a failed fetch; a file that is not what it claims, or media WeChat no longer keeps, is given up. */
  private async failed(attachmentId: number, err: Error, now: Date, scheduleRetry: boolean, rejected: boolean) {
    const a = await this.deps.db.attachment.update({ where: { id: attachmentId }, data: { attempts: { increment: 1 }, lastError: err.message.slice(0, 500) } });
    if (rejected || now.getTime() - a.createdAt.getTime() > MEDIA_LIFETIME_MS) {
      await this.giveUp(attachmentId);
      this.deps.log.warn({ attachmentId, err: err.message }, "media not kept");
      return;
    }
    if (scheduleRetry) await scheduleJob(this.deps.db, { kind: "media_fetch", key: String(attachmentId), dueAt: new Date(now.getTime() + 60_000), payload: { attachmentId }, now });
    this.deps.log.warn({ attachmentId, attempts: a.attempts, err: err.message }, "media fetch failed");
  }

  /** No more tries: the case goes on with what the resident wrote. */
  async giveUp(attachmentId: number): Promise<void> {
    await this.deps.db.attachment.updateMany({ where: { id: attachmentId, status: "pending" }, data: { status: "failed" } });
  }

  /** A voice message's words from the speech-to-text model, or null (none configured, or it failed). */
  async transcribe(attachmentId: number): Promise<string | null> {
    const a = await this.deps.db.attachment.findUnique({ where: { id: attachmentId } });
    if (!this.deps.transcriber || !a || a.status !== "stored" || !a.path) return null;
    const rel = a.playablePath ?? a.path;
    try {
      const text = (await this.deps.transcriber.transcribe(await readFile(this.deps.files.abs(rel)), path.basename(rel))).trim();
      if (!text) return null;
      await this.deps.db.attachment.update({ where: { id: attachmentId }, data: { recognition: text.slice(0, 2000), recognitionSource: "asr" } });
      return text.slice(0, 2000);
    } catch (err) {
      this.deps.log.warn({ attachmentId, err: (err as Error).message }, "speech-to-text failed; the voice waits for a worker");
      return null;
    }
  }

  /** Photos and pins this resident sent in this chat since `since` that belong to no case yet. */
  loose(db: Db | Tx, where: { channel: string; chatId: string; senderId: string; since: Date }): Promise<AttachmentRow[]> {
    // Raw SQL (db.ts sqlRows): every appeal asks.
    return sqlRows<AttachmentRow>(db, LOOSE(modelColumns(db, "Attachment")), where.channel, where.chatId, where.senderId, sqlTime(where.since));
  }

  /** Puts attachments on a case (inside the caller's transaction); stored photos follow it to its unit. */
  async attach(tx: Tx, caseId: number, ids: number[], now: Date): Promise<void> {
    if (!ids.length) return;
    await tx.attachment.updateMany({ where: { id: { in: ids } }, data: { caseId } });
    // The messages that brought them join the case's timeline.
    const messages = (await tx.attachment.findMany({ where: { id: { in: ids }, inboundId: { not: null } }, select: { inboundId: true } })).map((a) => a.inboundId!);
    if (messages.length) await tx.inboundMessage.updateMany({ where: { id: { in: messages }, caseId: null }, data: { caseId } });
    await this.forward(tx, caseId, ids, now);
  }

  /**
   * Sends the stored photos among `ids` (or all of the case's) to the case's lead unit, when the case is with
   * it: as images where its chat carries them, as signed links elsewhere.
   */
  async forward(tx: Tx, caseId: number, ids: number[] | "all", now: Date): Promise<void> {
    // The photos first: most cases have none, and then the case need not be read.
    const all = await sqlRows<AttachmentRow>(tx, CASE_PHOTOS(modelColumns(tx, "Attachment")), caseId);
    const photos = ids === "all" ? all : all.filter((p) => ids.includes(p.id));
    if (!photos.length) return;
    const kase = await tx.case.findUnique({ where: { id: caseId } });
    if (!kase?.leadUnitId || !kase.dispatchedAt || !WORKING_STATUSES.includes(kase.status as CaseStatus)) return;
    const expires = new Date(now.getTime() + LINK_DAYS * 86400_000);
    await notifyUnitMedia(tx, kase.leadUnitId, {
      caseId,
      attachmentIds: photos.map((p) => p.id),
      text: (carries) =>
        this.deps.replies.render("unit_photos", {
          case_number: kase.number,
          count: String(photos.length),
          links: carries ? "" : `${photos.map((p) => this.deps.links.media(p.id, expires)).join("\n")}\n（链接 ${LINK_DAYS} 天内有效）`,
        }),
      kind: "unit_photos",
      now,
      dedupeKey: `photos:${caseId}:${dispatchRound(kase)}:${photos.map((p) => p.id).join(",")}`,
    });
  }

  /** Deletes the files of attachments no longer kept (retention), unless another kept attachment shares a file. */
  async erase(tx: Tx, attachments: AttachmentRow[]): Promise<string[]> {
    const files: string[] = [];
    for (const a of attachments) {
      await tx.attachment.update({
        where: { id: a.id },
        data: { status: "deleted", path: null, playablePath: null, sha256: null, recognition: null, label: null, latitude: null, longitude: null, mediaId: null, sourceUrl: null },
      });
      if (a.sha256 && (await tx.attachment.count({ where: { sha256: a.sha256, status: "stored" } })) === 0) {
        for (const p of [a.path, a.playablePath]) if (p) files.push(p);
      }
    }
    return files;
  }

  async removeFiles(paths: string[]): Promise<void> {
    for (const p of new Set(paths)) await this.deps.files.remove(p).catch((err) => this.deps.log.warn({ err: (err as Error).message }, "could not delete a media file"));
  }
}
