// Photos, location pins and voice messages in the intake. A photo and the words that explain it usually come as
// two messages: from the same resident in the same chat within a window (photoWindowMinutes), they belong to one
// case in either order. A photo or pin after the case is open is added to it (and a photo follows it to the unit);
// one with no case to go to is kept, and the resident is asked for a sentence. A voice message becomes words
// through WeChat's recognition or the speech-to-text model, or waits for a worker to listen.
import type { Db } from "../db.ts";
import type { MediaService } from "../media/service.ts";
import type { Replies } from "../texts/replies.ts";
import type { Settings, SettingsStore } from "../settings.ts";
import { OPEN_STATUSES } from "../domain/case.ts";
import { placeOf } from "../org/areas.ts";
import { mediaAdded } from "../cases/records.ts";
import type { Responder } from "./respond.ts";
import type { IntakeResult, Place, Turn } from "./types.ts";

/** How long a message waits for its photos to download before it goes on (the rest is fetched meanwhile). */
const FETCH_WAIT_MS = 2000;
/** A voice message for the speech-to-text model may wait longer: without it there are no words. */
const VOICE_WAIT_MS = 10_000;

export interface MediaTurnDeps {
  db: Db;
  media: MediaService;
  replies: Replies;
  settings: SettingsStore;
  /** How every intake handler answers (respond.ts). */
  out: Responder;
}

/** Where the window for photos and pins that go with words opens, for words written at `now`. */
export function photoWindowStart(settings: Pick<Settings, "photoWindowMinutes">, now: Date): Date {
  return new Date(now.getTime() - settings.photoWindowMinutes * 60_000);
}

export class MediaTurns {
  constructor(private readonly deps: MediaTurnDeps) {}

  private async since(now: Date): Promise<Date> {
    return photoWindowStart(await this.deps.settings.current(), now);
  }

  /** A photo or a pin without words. */
  async photoOrPin(turn: Turn): Promise<IntakeResult> {
    const { db, media, replies } = this.deps;
    const { row, now } = turn;
    const own = await db.attachment.findMany({ where: { inboundId: row.id }, orderBy: { id: "asc" } });
    if (row.kind === "image") await media.fetchAll(own.map((a) => a.id), now, FETCH_WAIT_MS);
    const since = await this.since(now);
    const recent = await db.case.findFirst({
      where: { residentId: turn.residentId, channel: row.channel, chatId: row.chatId, createdAt: { gte: since }, status: { in: OPEN_STATUSES }, mergedIntoId: null },
      orderBy: { id: "desc" },
    });
    const pin = own.find((a) => a.kind === "location");
    const what = row.kind === "image" ? "照片" : "位置";
    if (recent) {
      return db.$transaction(async (tx) => {
        await media.attach(tx, recent.id, own.map((a) => a.id), now);
        // A pin's place is looked up only when the case still lacks one.
        const pinned = pin ? { label: pin.label, place: recent.location ? null : await this.pinPlace(pin, turn.group) } : null;
        await mediaAdded(tx, recent, { pin: pinned, inboundId: row.id, now });
        const reply = await this.deps.out.reply(tx, row, now, replies.render("media_added", { what, case_number: recent.number }), recent.id);
        return this.deps.out.finish(tx, row, now, { outcome: "media", replies: [reply] }, recent.id);
      });
    }
    // Kept for the words that follow; asked for them once, not after every photo of a series.
    const earlier = (await media.loose(db, { channel: row.channel, chatId: row.chatId, senderId: row.senderId, since })).filter((a) => a.inboundId !== row.id);
    return db.$transaction(async (tx) => {
      const replies_ = earlier.length ? [] : [await this.deps.out.reply(tx, row, now, pin ? replies.render("ask_describe_location", { label: pin.label ?? "（未命名位置）" }) : replies.render("ask_describe_photo"))];
      return this.deps.out.finish(tx, row, now, { outcome: "media", replies: replies_ });
    });
  }

  /** A voice message's words from the speech-to-text model (null: none configured, or nothing heard). */
  async listen(turn: Turn): Promise<string | null> {
    const { db, media } = this.deps;
    if (!media.canTranscribe) return null;
    const voice = await db.attachment.findFirst({ where: { inboundId: turn.row.id, kind: "voice" } });
    if (!voice) return null;
    await media.fetchAll([voice.id], turn.now, VOICE_WAIT_MS);
    const words = await media.transcribe(voice.id);
    // The message reads as what was said, for the console and everything after.
    if (words) await db.inboundMessage.update({ where: { id: turn.row.id }, data: { text: words } });
    return words;
  }

  /**
   * Where an appeal is and what goes with it: this message's own attachments and the photos and pins the resident
   * sent in this chat within the window. A pin gives the place when the words name none.
   */
  async placeAndMedia(turn: Turn): Promise<{ place: Place; attachmentIds: number[] }> {
    const { db, media } = this.deps;
    const { row, now } = turn;
    // A text brings nothing of its own; a voice message brings itself.
    const own = row.kind === "text" ? [] : await db.attachment.findMany({ where: { inboundId: row.id }, orderBy: { id: "asc" } });
    // Looked up only when the intake's first look (groupCommit.ts) saw some waiting.
    const loose = turn.mediaWaiting === false ? [] : (await media.loose(db, { channel: row.channel, chatId: row.chatId, senderId: row.senderId, since: await this.since(now) })).filter((a) => a.inboundId !== row.id);
    const all = [...loose, ...own];
    await media.fetchAll(all.map((a) => a.id), now, FETCH_WAIT_MS);
    const words = await placeOf(this.deps.db, turn.text, turn.group);
    const pin = all.filter((a) => a.kind === "location").at(-1);
    const place = pin ? { ...(words.location ? words : await this.pinPlace(pin, turn.group)), pinned: true } : words;
    return { place, attachmentIds: all.map((a) => a.id) };
  }

  /** The place a pin names: its label (or its coordinates), with the building and grid the label names. */
  private async pinPlace(pin: { label: string | null; latitude: number | null; longitude: number | null }, group: Turn["group"]): Promise<Place> {
    const named = await placeOf(this.deps.db, pin.label ?? "", group);
    return { ...named, location: pin.label ?? `${pin.latitude},${pin.longitude}` };
  }
}
