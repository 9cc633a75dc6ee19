// Who hears about a case, and through what: the resident in the chat the appeal came from; a unit or an area
// through its contacts (a WeChat room or contact of the bot, a webhook). Everything goes through the outbox.
import type { Prisma } from "../db.ts";
import { queueMessage } from "../outbox.ts";
import { afterQuietHours } from "../domain/quietHours.ts";
import type { Settings } from "../settings.ts";

type Tx = Prisma.TransactionClient;

export interface ContactRow {
  id: number;
  kind: string;
  channel: string | null;
  address: string;
}

/** Where a contact's messages go in the outbox, or null for contacts the bot cannot write to (a phone number). */
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
}

/** Tells the resident, in the chat the appeal came from (with an @mention in a group). Held in quiet hours. */
export async function notifyResident(tx: Tx, n: ResidentNotice): Promise<boolean> {
  const kase = await tx.case.findUniqueOrThrow({ where: { id: n.caseId }, include: { resident: true } });
  if (!kase.resident || kase.anonymisedAt) return false;
  await queueMessage(tx, {
    channel: kase.channel,
    chatId: kase.chatId,
    isGroup: kase.isGroup,
    text: n.text,
    mentions: kase.isGroup ? [{ id: kase.resident.externalId, name: kase.resident.displayName ?? undefined }] : [],
    caseId: kase.id,
    kind: n.kind,
    quiet: true,
    sendAfter: afterQuietHours(n.now, n.settings.quietHours),
    dedupeKey: n.dedupeKey,
    now: n.now,
  });
  await tx.case.update({ where: { id: kase.id }, data: { lastResidentUpdateAt: n.now } });
  return true;
}

/** Sends `text` to every reachable contact; returns how many were queued (0: nobody can be reached). */
export async function notifyContacts(
  tx: Tx,
  contacts: ContactRow[],
  m: { caseId: number | null; text: string; kind: string; now: Date; dedupeKey: string },
): Promise<number> {
  let queued = 0;
  for (const c of contacts) {
    const route = contactRoute(c);
    if (!route) continue;
    // Units' and areas' contacts are their own work chats: they get the details they need to act.
    await queueMessage(tx, { ...route, text: m.text, caseId: m.caseId, kind: m.kind, now: m.now, dedupeKey: `${m.dedupeKey}:c${c.id}`, redact: false });
    queued++;
  }
  return queued;
}

export async function notifyUnit(tx: Tx, unitId: number, m: { caseId: number; text: string; kind: string; now: Date; dedupeKey: string }) {
  const contacts = await tx.unitContact.findMany({ where: { unitId }, orderBy: { id: "asc" } });
  const queued = await notifyContacts(tx, contacts, m);
  if (queued === 0) {
    await tx.caseEvent.create({
      data: { caseId: m.caseId, type: "unit_unreachable", actor: "bot", note: "承办单位没有可送达的联系方式", data: { unitId, kind: m.kind }, createdAt: m.now },
    });
  }
  return queued;
}

export async function notifyArea(tx: Tx, areaId: number, m: { caseId: number; text: string; kind: string; now: Date; dedupeKey: string }) {
  const contacts = await tx.areaContact.findMany({ where: { areaId }, orderBy: { id: "asc" } });
  return notifyContacts(tx, contacts, m);
}
