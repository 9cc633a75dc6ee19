// Who hears about a case, and through what: the resident in the chat the appeal came from; a unit or an area
// through its contacts (a WeChat room or contact of the bot, a WeCom user or group chat, a webhook). Everything
// goes through the outbox.
import type { Prisma } from "../db.ts";
import { queueMessageLater } from "../outbox.ts";
import { afterQuietHours } from "../domain/quietHours.ts";
import { formatChinaTimestamp } from "../domain/time.ts";
import { STATUS_LABELS, type CaseStatus } from "../domain/case.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { carriesImages, type Notice } from "../channels/types.ts";
import type { Settings } from "../settings.ts";
import { recordEventLater, residentUpdated } from "../cases/records.ts";
import { directoryOf } from "../org/directory.ts";

type Tx = Prisma.TransactionClient;

export interface ContactRow {
  id: number;
  kind: string;
  channel: string | null;
  address: string;
}

/**
 * Where a contact's messages go in the outbox, or null for contacts the bot does not write to (a phone number; a
 * member, who acts from their own chat but hears through the unit's group).
 */
export function contactRoute(c: ContactRow): { channel: string; chatId: string; isGroup: boolean } | null {
  if (c.kind === "webhook") return { channel: "webhook", chatId: c.address, isGroup: false };
  if ((c.kind === "room" || c.kind === "contact") && c.channel) return { channel: c.channel, chatId: c.address, isGroup: c.kind === "room" };
  return null;
}

export interface ResidentNotice {
  caseId: number;
  text: string;
  kind: string;
  now: Date;
  settings: Settings;
  dedupeKey?: string;
  /**
   * The page the message leads each addressee to, for channels that send a subscription notice: the survey's
   * answer page, signed for the case's resident (null) or for a joined resident (their CaseReporter id).
   */
  url?: (reporterId: number | null) => string;
  /** Joined residents (同诉) who have rated already are not asked again (the survey's reminder). */
  unratedOnly?: boolean;
  /** Only this resident, in this chat: one who has left the case (withdrew it while those who joined go on). */
  former?: { residentId: number; channel: string; chatId: string; isGroup: boolean };
}

/**
 * Tells the resident, in the chat the appeal came from (with an @mention in a group), and every resident who
 * joined the case (同诉, not split off) in theirs, each with their own dedupe key. Held in quiet hours. A case
 * nobody raised (a proactive task) has nobody to tell: false.
 */
export async function notifyResident(tx: Tx, n: ResidentNotice): Promise<boolean> {
  const kase = await tx.case.findUniqueOrThrow({
    where: { id: n.caseId },
    include: {
      resident: true,
      matter: true,
      leadUnit: true,
      reporters: { where: { splitAt: null, residentId: { not: null }, ...(n.unratedOnly ? { satisfaction: null } : {}) }, include: { resident: true }, orderBy: { id: "asc" } },
    },
  });
  if (kase.anonymisedAt) return false;
  const former = n.former && (await tx.resident.findUnique({ where: { id: n.former.residentId } }));
  const to = n.former
    ? former ? [{ ...n.former, resident: former, key: `:f${former.id}`, url: undefined }] : []
    : [
        ...(kase.resident ? [{ channel: kase.channel, chatId: kase.chatId, isGroup: kase.isGroup, resident: kase.resident, key: "", url: n.url?.(null) }] : []),
        ...kase.reporters.flatMap((r) => (r.resident ? [{ channel: r.channel, chatId: r.chatId, isGroup: r.isGroup, resident: r.resident, key: `:r${r.id}`, url: n.url?.(r.id) }] : [])),
      ];
  if (!to.length) return false;
  // What a subscription notice says when the chat's window has closed: short fields, no one else's data.
  const notice: Notice = {
    case_number: kase.number,
    matter_name: kase.matter?.name ?? "待确认事项",
    status: STATUS_LABELS[kase.status as CaseStatus] ?? kase.status,
    summary: redactPersonalData(kase.text).slice(0, 20),
    unit: kase.leadUnit?.name ?? "社区工作人员",
    time: formatChinaTimestamp(n.now),
  };
  for (const t of to) {
    await queueMessageLater(tx, {
      channel: t.channel,
      chatId: t.chatId,
      isGroup: t.isGroup,
      text: n.text,
      mentions: t.isGroup ? [{ id: t.resident.externalId, name: t.resident.displayName ?? undefined }] : [],
      caseId: kase.id,
      kind: n.kind,
      quiet: true,
      sendAfter: afterQuietHours(n.now, n.settings.quietHours),
      dedupeKey: n.dedupeKey && n.dedupeKey + t.key,
      notice: t.url ? { ...notice, url: t.url } : notice,
      now: n.now,
    });
  }
  // The still-handling notice counts from news to the case's residents, not to one who left it.
  if (!n.former) await residentUpdated(tx, kase.id, n.now);
  return true;
}

/**
 * Sends `text` to every reachable contact; returns how many were queued (0: nobody can be reached). With
 * `attachments` (a resident's photos), chats that carry images get them after the text; `text` may then depend on
 * whether the chat does (the others get links in the text).
 */
export async function notifyContacts(
  tx: Tx,
  contacts: readonly ContactRow[],
  m: { caseId: number | null; text: string | ((carriesImages: boolean) => string); attachments?: number[]; kind: string; now: Date; dedupeKey: string },
): Promise<number> {
  let queued = 0;
  for (const c of contacts) {
    const route = contactRoute(c);
    if (!route) continue;
    const carries = Boolean(m.attachments?.length) && carriesImages(route.channel);
    const text = typeof m.text === "function" ? m.text(carries) : m.text;
    // Units' and areas' contacts are their own work chats: they get the details they need to act.
    await queueMessageLater(tx, { ...route, text, attachments: carries ? m.attachments : [], caseId: m.caseId, kind: m.kind, now: m.now, dedupeKey: `${m.dedupeKey}:c${c.id}`, redact: false });
    queued++;
  }
  return queued;
}

export async function notifyUnit(tx: Tx, unitId: number, m: { caseId: number; text: string; kind: string; now: Date; dedupeKey: string }) {
  const contacts = (await directoryOf(tx)).unitContacts.get(unitId) ?? [];
  const queued = await notifyContacts(tx, contacts, m);
  if (queued === 0) {
    await recordEventLater(tx, m.caseId, { type: "unit_unreachable", actor: "bot", note: "承办单位没有可送达的联系方式", data: { unitId, kind: m.kind }, now: m.now });
  }
  return queued;
}

/** An area's contacts; `caseId` null for what is about no one case (a hotspot, 未诉先办). */
export async function notifyArea(tx: Tx, areaId: number, m: { caseId: number | null; text: string; kind: string; now: Date; dedupeKey: string }) {
  const contacts = await tx.areaContact.findMany({ where: { areaId }, orderBy: { id: "asc" } });
  return notifyContacts(tx, contacts, m);
}

/** Sends a resident's photos to a unit's contacts (see notifyContacts). Never used for residents' own chats. */
export async function notifyUnitMedia(
  tx: Tx,
  unitId: number,
  m: { caseId: number; attachmentIds: number[]; text: (carriesImages: boolean) => string; kind: string; now: Date; dedupeKey: string },
) {
  const contacts = (await directoryOf(tx)).unitContacts.get(unitId) ?? [];
  return notifyContacts(tx, contacts, { ...m, attachments: m.attachmentIds });
}

/** A volunteer or a 党员中心户, reached in their own chat (nothing when they have none: the console only). */
export interface HelperChat {
  id: number;
  channel: string | null;
  address: string | null;
}

/**
 * Tells volunteers or 党员中心户 in their own chats. They are residents, not units: what they read is masked
 * (phones, IDs, names) and a notice that can wait (`quietHours`) waits until morning. Returns how many were queued.
 */
export async function notifyHelpers(
  tx: Tx,
  people: HelperChat[],
  m: { caseId: number | null; text: string; kind: string; now: Date; dedupeKey: string; quietHours?: Settings["quietHours"] },
): Promise<number> {
  let queued = 0;
  for (const p of people) {
    if (!p.channel || !p.address) continue;
    await queueMessageLater(tx, {
      channel: p.channel,
      chatId: p.address,
      isGroup: false,
      text: m.text,
      caseId: m.caseId,
      kind: m.kind,
      now: m.now,
      dedupeKey: `${m.dedupeKey}:p${p.id}`,
      redact: true,
      ...(m.quietHours ? { quiet: true, sendAfter: afterQuietHours(m.now, m.quietHours) } : {}),
    });
    queued++;
  }
  return queued;
}
