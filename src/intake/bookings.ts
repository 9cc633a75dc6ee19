// Bookings (预约) in the chats. A resident books a place's service ("预约下周二上午的家政保洁"), agrees to a time the
// staff proposed ("确认", "好的"), cancels ("取消预约 YY2026-000001"), rates a done one (满意 / 基本满意 / 不满意); the
// place's staff, in a chat registered as the place's contact, confirm, move, decline and finish them
// ("YY2026-000001 确认", "… 改约 12月6日14:00", "… 拒绝 当天人手不足", "… 完成"). The steps are places/bookings.ts's.
import { z } from "zod";
import { sqlRows } from "../db.ts";
import { recogniseBookingRequest } from "../places/bookingWords.ts";
import { requestBooking, stepBooking, type BookingDeps } from "../places/bookings.ts";
import { OPEN_REQUEST_STATUSES, parseStaffCommand, quotedRequestNumber, REQUEST_NUMBER_PATTERN, saysAgree, saysCancel } from "../places/requests.ts";
import { chinaInstant, parseWhen } from "../places/slots.ts";
import { chinaDate } from "../domain/time.ts";
import { readRating } from "../followup/satisfaction.ts";
import { placesAround } from "./placeQuestions.ts";
import { stripAddress } from "./recognise.ts";
import type { Responder } from "./respond.ts";
import type { IntakeResult, Row, Turn } from "./types.ts";
import { contactsAtChat, directoryOf } from "../org/directory.ts";

/** The resident's latest booking a place proposed another time for. */
const PROPOSED = `SELECT "number" FROM "ServiceRequest" WHERE "residentId" = ? AND "status" = 'proposed' ORDER BY "updatedAt" DESC LIMIT 1`;

export type BookingTurnDeps = BookingDeps & { out: Responder; botName: string };

/** A done booking waits this long for its rating; later a "满意" is about something else. */
const RATING_DAYS = 7;

/** A resident's booking, or their answer about one; null when the message is neither. */
export async function bookingTurn(h: BookingTurnDeps, turn: Turn): Promise<IntakeResult | null> {
  const { db, out } = h;
  const { row, now, text, residentId } = turn;
  const answer = (message: string) => out.answer(db, row, now, "booking", message);
  const mine = { residentId };

  if (saysCancel(text)) {
    const number = quotedRequestNumber(text) ?? (await db.serviceRequest.findFirst({ where: { residentId, status: { in: OPEN_REQUEST_STATUSES } }, orderBy: { id: "desc" } }))?.number;
    if (!number) return answer(h.replies.render("booking_resident_error", { error: "您没有进行中的预约" }));
    const stepped = await stepBooking(h, number, { action: "cancel", by: "resident", now }, mine);
    return answer(stepped.ok ? stepped.text : h.replies.render("booking_resident_error", { error: stepped.message }));
  }
  // Looked up only for a yes ("确认", "好的"): an appeal never waits on it.
  const [proposed] = saysAgree(text) ? await sqlRows<{ number: string }>(db, PROPOSED, residentId) : [];
  if (proposed) {
    const stepped = await stepBooking(h, proposed.number, { action: "accept_proposal", by: "resident", now }, mine);
    return answer(stepped.ok ? stepped.text : h.replies.render("booking_resident_error", { error: stepped.message }));
  }
  const rated = readRating(text);
  // Only a clear rating: "3号楼…" is not a 不满意.
  if (rated && (/满意/.test(text) || /^\s*[123１２３①②③][.、。\s]*$/.test(text))) {
    const done = await db.serviceRequest.findFirst({ where: { residentId, status: "done", updatedAt: { gt: new Date(now.getTime() - RATING_DAYS * 86_400_000) } }, orderBy: { updatedAt: "desc" } });
    if (done) {
      const stepped = await stepBooking(h, done.number, { action: "rate", by: "resident", rating: rated.rating, now }, mine);
      if (stepped.ok) return answer(stepped.text);
    }
  }

  const { places, preferred } = await placesAround(db, turn.group);
  const said = recogniseBookingRequest(text, places, now, preferred);
  if (!said?.service.id) return null;
  const outcome = await requestBooking(h, {
    placeId: said.place.id,
    serviceId: said.service.id,
    when: said.when,
    from: { channel: row.channel, chatId: row.chatId, isGroup: row.isGroup, text, inboundId: row.id, residentId },
    now,
  });
  return answer(outcome.text);
}

const commandSchema = z.object({
  number: z.string().regex(new RegExp(`^${REQUEST_NUMBER_PATTERN.source}$`)),
  action: z.enum(["confirm", "propose", "decline", "done"]),
  rest: z.string().max(300),
});

/**
 * A message from a chat registered as a service place's staff contact: a booking command, or how to write one
 * when it starts with a booking number; anything else goes on as any message would (null).
 */
export async function handleStaffCommand(h: BookingTurnDeps, row: Row, now: Date): Promise<IntakeResult | null> {
  const contacts = contactsAtChat((await directoryOf(h.db)).placeContactsAt, row);
  if (!contacts.length) return null;
  const { text } = stripAddress(row.text, h.botName, []);
  const respond = (message: string) => h.out.answer(h.db, row, now, "booking", message);
  const parsed = commandSchema.safeParse(parseStaffCommand(text));
  if (!parsed.success) return quotedRequestNumber(text) && /^\s*YY/i.test(text) ? respond(h.replies.render("booking_staff_help")) : null;
  const command = parsed.data;
  const error = (message: string) => respond(h.replies.render("booking_staff_error", { error: message }));
  let at: Date | undefined;
  if (command.action === "propose") {
    const when = parseWhen(command.rest, now);
    if (!when || when.minute === null) return error("请写明新的日期和时间，如“改约 12月6日14:00”");
    at = chinaInstant(when.date ?? chinaDate(now), when.minute);
  }
  const note = command.action === "propose" ? "" : command.rest;
  const stepped = await stepBooking(h, command.number, { action: command.action, by: "staff", at, note, now }, { placeIds: contacts.map((c) => c.placeId) });
  return stepped.ok ? respond(stepped.text) : error(stepped.message);
}
