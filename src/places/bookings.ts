// Bookings (预约) as commands: a resident's request (for an open time of a bookable service, or the next open times
// instead), and each step of the lifecycle (requests.ts) with what follows it side by side — who is told (the
// resident in the chat the booking came from, the place's staff through its contacts), which jobs are scheduled
// (the reminder the day before, keyed by the slot, so a moved booking's old one stands down; the rating after done).
// Everything is written in one transaction, notices queued in the outbox before anything is sent.
import type { Db, Prisma } from "../db.ts";
import type { WorkCalendar } from "../domain/deadlines.ts";
import type { Logger } from "../log.ts";
import type { Replies } from "../texts/replies.ts";
import type { SettingsStore } from "../settings.ts";
import { queueMessageLater } from "../outbox.ts";
import { afterQuietHours } from "../domain/quietHours.ts";
import { chinaYear, formatChinaDateTime } from "../domain/time.ts";
import { notifyContacts } from "../followup/notify.ts";
import { scheduleJob } from "../followup/schedule.ts";
import { RATING_LABELS, type Rating } from "../followup/satisfaction.ts";
import { allowedRequestActions, formatRequestNumber, REQUEST_STATUS_LABELS, requestStep, type RequestAction, type RequestActor, type RequestStatus } from "./requests.ts";
import { nextOpenTimes, resolveSlot, type WhenSaid } from "./slots.ts";
import { readDayHours, readWeekHours } from "./hours.ts";

type Tx = Prisma.TransactionClient;

export interface BookingDeps {
  db: Db;
  replies: Replies;
  runtimeSettings: SettingsStore;
  calendar: WorkCalendar;
  log: Logger;
}

const include = { place: { include: { contacts: { orderBy: { id: "asc" } } } }, service: true, resident: true } as const satisfies Prisma.ServiceRequestInclude;
export type BookingRecord = Prisma.ServiceRequestGetPayload<{ include: typeof include }>;

export const showTime = (at: Date) => formatChinaDateTime(at);
const showTimes = (times: Date[]) => (times.length ? times.map(showTime).join("\n") : "近期暂无可预约的时间，请联系社区工作人员");

/** The values every booking text may use. */
export function bookingVars(r: BookingRecord): Record<string, string> {
  return { number: r.number, place: r.place.name, service: r.service.name, time: showTime(r.slotAt) };
}

const hoursOf = (place: { hours: unknown; holidayHours: unknown }) => ({ week: readWeekHours(place.hours), holiday: readDayHours(place.holidayHours) });

export type RequestOutcome =
  | { kind: "created"; booking: BookingRecord; text: string }
  | { kind: "refused"; text: string };

export interface BookingAsked {
  placeId: number;
  serviceId: number;
  when: WhenSaid | null;
  from: { channel: string; chatId: string; isGroup: boolean; text: string; inboundId: number; residentId: number };
  now: Date;
}

/**
 * A resident's booking: without a time they are asked to send it again with one (a pending question belongs to a
 * case, and a booking is not one); a service not taking bookings, a closed or past time gets the next open times;
 * otherwise the request is stored and the place's staff are told.
 */
export async function requestBooking(deps: BookingDeps, a: BookingAsked): Promise<RequestOutcome> {
  const { db, replies, calendar } = deps;
  const service = await db.placeService.findUniqueOrThrow({ where: { id: a.serviceId }, include: { place: { include: { services: { where: { active: true, bookable: true }, orderBy: { id: "asc" } } } } } });
  const place = service.place;
  const vars = { place: place.name, service: service.name };
  if (!service.bookable) {
    const next = nextOpenTimes(calendar, hoursOf(place), 60, a.now);
    return { kind: "refused", text: replies.render("booking_not_bookable", { ...vars, services: place.services.map((s) => s.name).join("、") || "暂无", next_times: showTimes(next) }) };
  }
  if (!a.when) return { kind: "refused", text: replies.render("booking_need_time", vars) };
  const slot = resolveSlot(calendar, hoursOf(place), service.durationMinutes, a.when, a.now);
  if (!slot.open) {
    const example = slot.next[0] ? `预约${showTime(slot.next[0]).replace(/周./, "")}的${service.name}` : `预约下周一上午的${service.name}`;
    return { kind: "refused", text: replies.render("booking_closed", { ...vars, why: slot.reason === "past" ? "这个时间已经过去了" : "这个时间不开放或排不下", next_times: showTimes(slot.next), example }) };
  }
  const booking = await db.$transaction(async (tx) => {
    const created = await tx.serviceRequest.create({
      data: { number: await nextRequestNumber(tx, a.now), placeId: place.id, serviceId: service.id, residentId: a.from.residentId, inboundId: a.from.inboundId, channel: a.from.channel, chatId: a.from.chatId, isGroup: a.from.isGroup, text: a.from.text, slotAt: slot.at, status: "requested", createdAt: a.now },
      include,
    });
    await tellStaff(tx, deps, created, replies.render("booking_staff_new", { ...bookingVars(created), text: created.text }), "booking_new", a.now);
    return created;
  });
  deps.log.info({ bookingId: booking.id, placeId: place.id, serviceId: service.id, inboundId: a.from.inboundId }, "booking requested");
  return { kind: "created", booking, text: replies.render("booking_received", bookingVars(booking)) };
}

async function nextRequestNumber(tx: Tx, now: Date): Promise<string> {
  const year = chinaYear(now);
  const last = await tx.serviceRequest.findFirst({ where: { number: { startsWith: `YY${year}-` } }, orderBy: { number: "desc" }, select: { number: true } });
  return formatRequestNumber(year, last ? Number(last.number.slice(7)) + 1 : 1);
}

export interface StepInput {
  action: RequestAction;
  by: RequestActor;
  /** The new time (propose). */
  at?: Date;
  /** A reason (decline) or a word to the resident (propose). */
  note?: string;
  rating?: Rating;
  now: Date;
}

export type StepOutcome = { ok: true; booking: BookingRecord; text: string } | { ok: false; message: string };

/**
 * What each step writes besides its status, and who is told: the resident when someone else took the step (they
 * hear it in their chat), the staff when the resident did. `text` is the answer to whoever took it.
 */
const STEPS: Record<RequestAction, {
  data: (r: BookingRecord, s: StepInput) => Prisma.ServiceRequestUpdateInput;
  resident?: string;
  staff?: string;
  answer: string;
  after?: (tx: Tx, r: BookingRecord, s: StepInput) => Promise<void>;
}> = {
  confirm: { data: () => ({}), resident: "booking_confirmed", answer: "booking_staff_ok", after: (tx, r, s) => scheduleReminder(tx, r, s.now) },
  propose: { data: (_r, s) => ({ proposedAt: s.at, note: s.note ?? "" }), resident: "booking_proposed", answer: "booking_staff_ok" },
  decline: { data: (_r, s) => ({ note: s.note ?? "" }), resident: "booking_declined", answer: "booking_staff_ok" },
  accept_proposal: { data: (r) => ({ slotAt: r.proposedAt!, proposedAt: null }), staff: "booking_staff_agreed", answer: "booking_confirmed", after: (tx, r, s) => scheduleReminder(tx, r, s.now) },
  cancel: { data: () => ({}), resident: "booking_cancelled", staff: "booking_staff_cancelled", answer: "booking_cancelled" },
  done: { data: () => ({}), answer: "booking_staff_ok", after: (tx, r, s) => scheduleJob(tx, { kind: "booking_rating", key: String(r.id), dueAt: s.now, payload: { requestId: r.id }, now: s.now }).then(() => undefined) },
  rate: { data: (_r, s) => ({ rating: s.rating }), staff: "booking_staff_rated", answer: "booking_rated" },
};

/** The reminder the day before (18:00 China time), keyed by the slot; none when that is already past (just told). */
async function scheduleReminder(tx: Tx, r: BookingRecord, now: Date): Promise<void> {
  const dayBefore = new Date(r.slotAt.getTime() - 86_400_000);
  const dueAt = new Date(`${new Date(dayBefore.getTime() + 8 * 3600_000).toISOString().slice(0, 10)}T18:00:00+08:00`);
  if (dueAt.getTime() <= now.getTime()) return;
  await scheduleJob(tx, { kind: "booking_reminder", key: `${r.id}:${r.slotAt.getTime()}`, dueAt, payload: { requestId: r.id, slotAt: r.slotAt.toISOString() }, now });
}

/** Takes one step on a booking (found by number among `placeIds` when given: another place's reads as not found). */
export async function stepBooking(deps: BookingDeps, number: string, s: StepInput, scope: { placeIds?: number[]; residentId?: number } = {}): Promise<StepOutcome> {
  const { db, replies } = deps;
  const found = await db.serviceRequest.findFirst({ where: { number, ...(scope.placeIds ? { placeId: { in: scope.placeIds } } : {}), ...(scope.residentId ? { residentId: scope.residentId } : {}) }, include });
  if (!found) return { ok: false, message: `${BOOKING_NOT_FOUND}（${number}）` };
  const step = requestStep(found.status, s.action, s.by);
  if ("refused" in step) return { ok: false, message: step.refused };
  if (s.action === "propose") {
    if (!s.at) return { ok: false, message: "请写明新的时间，如“改约 12月6日14:00”" };
    const slot = resolveSlot(deps.calendar, hoursOf(found.place), found.service.durationMinutes, { period: null, ...whenOf(s.at) }, s.now);
    if (!slot.open) return { ok: false, message: `${showTime(s.at)}${slot.reason === "past" ? "已经过去" : "不开放或排不下"}，可以改到：${slot.next.map(showTime).join("、") || "近期暂无可约时间"}` };
  }
  if (s.action === "rate" && !s.rating) return { ok: false, message: "请回复 满意、基本满意 或 不满意" };
  const row = STEPS[s.action];
  const settings = await deps.runtimeSettings.current();
  const booking = await db.$transaction(async (tx) => {
    // Conditional on the status read: two steps at once, one wins and the other is refused.
    const moved = await tx.serviceRequest.updateMany({ where: { id: found.id, status: found.status }, data: { status: step.to } });
    if (moved.count !== 1) return null;
    const updated = await tx.serviceRequest.update({ where: { id: found.id }, data: row.data(found, s), include });
    const vars = { ...bookingVars(updated), ...stepVars(updated, s) };
    if (row.resident && s.by !== "resident") await tellResident(tx, updated, replies.render(row.resident, vars), `booking_${s.action}`, s.now, settings.quietHours);
    if (row.staff) await tellStaff(tx, deps, updated, replies.render(row.staff, vars), `booking_${s.action}`, s.now);
    await row.after?.(tx, updated, s);
    return updated;
  });
  if (!booking) return { ok: false, message: "预约刚被别人处理过，请刷新后再试" };
  deps.log.info({ bookingId: booking.id, action: s.action, by: s.by, status: booking.status }, "booking step");
  return { ok: true, booking, text: replies.render(row.answer, { ...bookingVars(booking), ...stepVars(booking, s) }) };
}

export const BOOKING_NOT_FOUND = "未找到该预约，或您无权处理";

function stepVars(r: BookingRecord, s: StepInput): Record<string, string> {
  return {
    action: REQUEST_DONE_LABELS[s.action],
    proposed: r.proposedAt ? showTime(r.proposedAt) : showTime(r.slotAt),
    note: s.note ? `（${s.note}）` : "",
    reason: s.note || "未说明原因",
    rating: s.rating ? RATING_LABELS[s.rating] : "",
  };
}
const REQUEST_DONE_LABELS: Record<RequestAction, string> = { confirm: "确认", propose: "建议改约", decline: "婉拒", accept_proposal: "确认改约", cancel: "取消", done: "标记完成", rate: "评价" };

const whenOf = (at: Date) => {
  const local = new Date(at.getTime() + 8 * 3600_000);
  return { date: local.toISOString().slice(0, 10), minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
};

/** Tells the resident in the chat the booking came from (an @mention in a group; masked there), after quiet hours. */
export async function tellResident(tx: Tx, r: BookingRecord, text: string, kind: string, now: Date, quietHours: { start: string; end: string }, dedupeKey?: string) {
  await queueMessageLater(tx, {
    channel: r.channel,
    chatId: r.chatId,
    isGroup: r.isGroup,
    text,
    mentions: r.isGroup && r.resident ? [{ id: r.resident.externalId, name: r.resident.displayName ?? undefined }] : [],
    kind,
    quiet: true,
    sendAfter: afterQuietHours(now, quietHours),
    dedupeKey: dedupeKey ?? `booking:${r.id}:${kind}:${now.getTime()}`,
    now,
  });
}

/** Tells the place's staff through its contacts (their work chats); a place nobody can reach is logged. */
async function tellStaff(tx: Tx, deps: Pick<BookingDeps, "log">, r: BookingRecord, text: string, kind: string, now: Date) {
  const queued = await notifyContacts(tx, r.place.contacts, { caseId: null, text, kind, now, dedupeKey: `booking:${r.id}:${kind}:${now.getTime()}` });
  if (!queued) deps.log.warn({ bookingId: r.id, placeId: r.placeId }, "place has no reachable staff contact; booking shown on the console only");
}

export async function loadBooking(db: Db, id: number): Promise<BookingRecord | null> {
  return db.serviceRequest.findUnique({ where: { id }, include });
}

/** A booking as the API and the console show it, with the steps a worker may take on it. */
export function presentBooking(r: BookingRecord) {
  return {
    number: r.number, status: r.status, statusLabel: REQUEST_STATUS_LABELS[r.status as RequestStatus] ?? r.status,
    place: { id: r.place.id, name: r.place.name }, service: { id: r.service.id, name: r.service.name, durationMinutes: r.service.durationMinutes },
    slotAt: r.slotAt, proposedAt: r.proposedAt, text: r.text, note: r.note, rating: r.rating, ratingLabel: r.rating ? (RATING_LABELS[r.rating as Rating] ?? r.rating) : null,
    channel: r.channel, isGroup: r.isGroup, createdAt: r.createdAt, updatedAt: r.updatedAt,
    actions: allowedRequestActions(r.status, "worker"),
  };
}

/** The bookings, newest slot first, of one place or all, in one status or all (at most 500). */
export async function listBookings(db: Db, filter: { placeId?: number; status?: RequestStatus; placeIds?: number[] }) {
  const where = { AND: [filter.placeId ? { placeId: filter.placeId } : {}, filter.placeIds ? { placeId: { in: filter.placeIds } } : {}, filter.status ? { status: filter.status } : {}] };
  const rows = await db.serviceRequest.findMany({ where, orderBy: [{ slotAt: "desc" }, { id: "desc" }], take: 500, include });
  return rows.map(presentBooking);
}
