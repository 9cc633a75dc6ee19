// What a resident's file really is, read from its first bytes (never from its name or the sender's word), and
// whether it is a photo or a voice message of a size the service keeps.
import { fileTypeFromBuffer } from "file-type";

export const MEDIA_LIMITS = { image: 10 * 1024 * 1024, voice: 5 * 1024 * 1024 } as const;

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"]);
const VOICE_TYPES = new Set(["audio/amr", "audio/ogg", "audio/opus", "audio/mpeg", "audio/wav", "audio/x-wav", "audio/mp4", "audio/x-m4a", "audio/aac", "audio/webm", "video/webm"]);

/** A file the service does not keep; the reason is for the log and the case. */
export class MediaRejected extends Error {}

/** WeChat's own voice formats that carry no magic number file-type knows: SILK (personal WeChat) and raw Speex. */
function wechatVoice(bytes: Buffer): { mime: string; ext: string } | null {
  const head = bytes.subarray(0, 10).toString("latin1");
  if (head.startsWith("#!SILK_V3") || head.startsWith("\u0002#!SILK_V3")) return { mime: "audio/silk", ext: "silk" };
  if (head.startsWith("Speex   ")) return { mime: "audio/speex", ext: "spx" };
  return null;
}

export async function checkMedia(kind: "image" | "voice", bytes: Buffer): Promise<{ mime: string; ext: string }> {
  if (bytes.length === 0) throw new MediaRejected("the file is empty");
  if (bytes.length > MEDIA_LIMITS[kind]) throw new MediaRejected(`the ${kind} is ${bytes.length} bytes, more than ${MEDIA_LIMITS[kind]}`);
  const found = (await fileTypeFromBuffer(bytes)) ?? (kind === "voice" ? wechatVoice(bytes) : null);
  if (!found) throw new MediaRejected(`the ${kind} is of no type the service knows`);
  const allowed = kind === "image" ? IMAGE_TYPES.has(found.mime) : VOICE_TYPES.has(found.mime) || found.mime === "audio/silk" || found.mime === "audio/speex";
  if (!allowed) throw new MediaRejected(`a ${found.mime} file was sent as ${kind}`);
  return { mime: found.mime === "video/webm" ? "audio/webm" : found.mime, ext: found.ext };
}
