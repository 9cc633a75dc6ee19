// Bookings (预约) of a place's service on a fake clock against the real service (HTTP channel, real SQLite file): a
// resident books 家政保洁 at the seeded 幸福社区党群服务中心, its staff act from a chat registered as the place's contact,
// the follow-up loop reminds the day before and asks for the rating. Each test starts its own service.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock } from "./helpers/clock.ts";
import { adminAndWorker, callAs } from "./helpers/session.ts";
import { runFollowUp } from "../src/services.ts";
import { addContact } from "../src/org/contacts.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { parseWhen, resolveSlot } from "../src/places/slots.ts";
import { officialCalendar } from "../src/domain/deadlines.ts";
import { allowedRequestActions, parseStaffCommand, requestStep } from "../src/places/requests.ts";

const PATH = "/api/channels/http/messages";
const STAFF = "xf-center-staff";
let svc: TestService;
let clock: FakeClock;
let resident: { chatId: string; senderId: string };

beforeEach(async () => {
  clock = new FakeClock(cst("2026-11-26T10:00")); // a Thursday
  svc = await startService({}, { clock: clock.now });
  const db = svc.services.db;
  const center = await db.servicePlace.findUniqueOrThrow({ where: { code: "XF-PARTY-CENTER" } });
  await addContact(db, "place", center.id, { kind: "contact", channel: "http", address: STAFF, name: "服务中心值班" });
  resident = { chatId: `wx-private-${randomUUID()}`, senderId: `wx-${randomUUID()}` };
});
afterEach(async () => {
  await svc.close();
});

/** A message at `at` (China time): from the resident, or from another chat. */
async function say(at: string, text: string, from: { chatId: string; senderId: string } = resident) {
  clock.set(cst(at));
  const { status, body } = await svc.post(PATH, { messageId: randomUUID(), ...from, text });
  expect(status).toBe(200);
  return { body, text: (body.replies as { text: string }[]).map((r) => r.text).join("\n") };
}
const staffSays = (at: string, text: string, chatId = STAFF) => say(at, text, { chatId, senderId: `${chatId}-person` });
const numberIn = (text: string) => /YY2026-\d{6}/.exec(text)![0];
const sentTo = (chatId: string, kind?: string) => svc.services.db.outbox.findMany({ where: { chatId, ...(kind ? { kind } : {}) }, orderBy: { id: "asc" } });
const booking = (number: string) => svc.services.db.serviceRequest.findUniqueOrThrow({ where: { number } });
async function followUpAt(at: string) {
  clock.set(cst(at));
  await runFollowUp(svc.services);
}

/** The resident books 家政保洁 next Tuesday morning (2026-12-01, 08:30: the centre's first morning period). */
async function book(text = "预约下周二上午的家政保洁") {
  const { body, text: reply } = await say("2026-11-26T10:00", text);
  expect(body.outcome).toBe("booking");
  return { number: numberIn(reply), reply };
}

describe("a booking confirmed", () => {
  it("tells the resident, reminds them once the day before, and after done asks for and stores the rating", async () => {
    const { number, reply } = await book();
    expect(reply).toContain("幸福社区党群服务中心 家政保洁，12月1日周二 08:30");
    expect(await svc.services.db.case.count()).toBe(0);
    const [toStaff] = await sentTo(STAFF, "booking_new");
    expect(toStaff.text).toContain(`新预约 ${number}：家政保洁，12月1日周二 08:30`);

    const confirmed = await staffSays("2026-11-26T10:05", `${number} 确认`);
    expect(confirmed.body.outcome).toBe("booking");
    expect(confirmed.text).toContain(`预约 ${number} 已确认，已告知居民`);
    expect((await booking(number)).status).toBe("confirmed");
    const [told] = await sentTo(resident.chatId, "booking_confirm");
    expect(told.text).toContain(`您的预约 ${number} 已确认`);

    await followUpAt("2026-11-30T17:59");
    expect(await sentTo(resident.chatId, "booking_reminder")).toHaveLength(0);
    await followUpAt("2026-11-30T18:00");
    await followUpAt("2026-11-30T18:30");
    const reminders = await sentTo(resident.chatId, "booking_reminder");
    expect(reminders).toHaveLength(1);
    expect(reminders[0].text).toContain("12月1日周二 08:30");

    await staffSays("2026-12-01T10:40", `${number} 完成`);
    expect((await booking(number)).status).toBe("done");
    await followUpAt("2026-12-01T10:41");
    const [asked] = await sentTo(resident.chatId, "booking_rating");
    expect(asked.text).toContain("满意、基本满意 或 不满意");

    const rated = await say("2026-12-01T11:00", "满意");
    expect(rated.text).toContain(`感谢您的评价（满意）！预约 ${number} 已结束`);
    expect(await booking(number)).toMatchObject({ status: "rated", rating: "satisfied" });
  });
});

describe("a booking moved", () => {
  it("tells the resident the proposed time, confirms it when they agree, and the old slot's reminder stands down", async () => {
    const { number } = await book("帮我约12月3日上午9点的助浴");
    await staffSays("2026-11-26T10:05", `${number} 确认`);
    // A Sunday: the centre is closed, the staff hear the open times instead.
    const closed = await staffSays("2026-11-26T10:06", `${number} 改约 12月6日14:00`);
    expect(closed.text).toContain("12月6日周日 14:00不开放或排不下，可以改到：12月7日周一 08:30");
    expect((await booking(number)).status).toBe("confirmed");

    await staffSays("2026-11-26T10:10", `${number} 改约 12月4日14:00`);
    const [proposal] = await sentTo(resident.chatId, "booking_propose");
    expect(proposal.text).toContain("建议改到 12月4日周五 14:00");
    expect((await booking(number)).status).toBe("proposed");

    const agreed = await say("2026-11-26T11:00", "好的");
    expect(agreed.text).toContain(`您的预约 ${number} 已确认：幸福社区党群服务中心 助浴，12月4日周五 14:00`);
    expect(await booking(number)).toMatchObject({ status: "confirmed", slotAt: cst("2026-12-04T14:00"), proposedAt: null });
    expect((await sentTo(STAFF, "booking_accept_proposal"))[0].text).toContain("改到 12月4日周五 14:00，已确认");

    await followUpAt("2026-12-02T18:00");
    expect(await sentTo(resident.chatId, "booking_reminder")).toHaveLength(0);
    const old = await svc.services.db.job.findUniqueOrThrow({ where: { dedupeKey: `booking_reminder:${(await booking(number)).id}:${cst("2026-12-03T09:00").getTime()}` } });
    expect(old).toMatchObject({ status: "skipped", outcome: "booking moved: the new slot has its own reminder" });
    await followUpAt("2026-12-03T18:00");
    const reminders = await sentTo(resident.chatId, "booking_reminder");
    expect(reminders).toHaveLength(1);
    expect(reminders[0].text).toContain("12月4日周五 14:00");
  });
});

describe("a booking declined", () => {
  it("tells the resident the staff's reason", async () => {
    const { number } = await book();
    const declined = await staffSays("2026-11-26T10:05", `${number} 拒绝 当天人手不足`);
    expect(declined.text).toContain("已婉拒");
    const [told] = await sentTo(resident.chatId, "booking_decline");
    expect(told.text).toContain(`您的预约 ${number}（幸福社区党群服务中心 家政保洁，12月1日周二 08:30）无法安排：当天人手不足`);
    expect(await booking(number)).toMatchObject({ status: "declined", note: "当天人手不足" });
  });
});

describe("a time the place is closed", () => {
  it("offers the next open times after 国庆 (2026-10-01) and books the 调休 Saturday 2026-10-10 with a weekday's hours", async () => {
    const holiday = await say("2026-09-28T10:00", "预约10月1日上午的家政保洁");
    expect(holiday.body.outcome).toBe("booking");
    expect(holiday.text).toContain("这个时间不开放或排不下");
    expect(holiday.text).toContain("10月8日周四 08:30\n10月8日周四 13:30\n10月8日周四 15:30");
    expect(await svc.services.db.serviceRequest.count()).toBe(0);

    const swap = await say("2026-09-28T10:01", "预约10月10日上午的家政保洁");
    // A Saturday opens 09:00 normally; as a 调休 working day it keeps Monday's 08:30.
    expect(swap.text).toContain("10月10日周六 08:30");
    expect(await svc.services.db.serviceRequest.count()).toBe(1);
  });

  it("offers the next open times for a time already past, a Sunday, and a service that takes no bookings", async () => {
    const past = await say("2026-11-26T10:00", "预约今天上午9点的家政保洁");
    expect(past.text).toContain("这个时间已经过去了");
    expect(past.text).toContain("11月26日周四 13:30");
    const sunday = await say("2026-11-26T10:01", "预约周日的助浴");
    expect(sunday.text).toContain("不开放或排不下");
    expect(sunday.text).toContain("11月30日周一 08:30");
    const haircut = await say("2026-11-26T10:02", "预约明天上午的理发");
    expect(haircut.text).toContain("理发不需要预约");
    expect(haircut.text).toContain("可以预约的服务：家政保洁、助浴");
    const noTime = await say("2026-11-26T10:03", "帮我约家政保洁");
    expect(noTime.text).toContain("请告诉我您想预约幸福社区党群服务中心家政保洁的时间");
    expect(await svc.services.db.serviceRequest.count()).toBe(0);
    expect(await svc.services.db.case.count()).toBe(0);
  });
});

describe("staff of another place", () => {
  it("are answered exactly as for a booking that does not exist, and nothing changes", async () => {
    const { number } = await book();
    const youth = await svc.services.db.servicePlace.findUniqueOrThrow({ where: { code: "XF-YOUTH" } });
    await addContact(svc.services.db, "place", youth.id, { kind: "contact", channel: "http", address: "xf-youth-staff" });
    const refused = await staffSays("2026-11-26T10:05", `${number} 确认`, "xf-youth-staff");
    const missing = await staffSays("2026-11-26T10:06", "YY2026-999999 确认", "xf-youth-staff");
    expect(refused.text).toContain("未找到该预约，或您无权处理");
    expect(refused.text.replace(number, "N")).toBe(missing.text.replace("YY2026-999999", "N"));
    expect((await booking(number)).status).toBe("requested");
    expect(await sentTo(resident.chatId, "booking_confirm")).toHaveLength(0);
  });
});

describe("the console API", () => {
  it("lets a worker confirm and an administrator move a booking (refusing a closed time); units are refused", async () => {
    const { number } = await book();
    const { admin, worker } = await adminAndWorker(svc, "bk");
    const list = await callAs(svc, worker, "GET", "/api/bookings?status=requested");
    expect(list.status).toBe(200);
    const shown = list.body.bookings.find((b: any) => b.number === number);
    expect(shown).toMatchObject({ statusLabel: "待确认", place: { name: "幸福社区党群服务中心" }, service: { name: "家政保洁" }, actions: ["confirm", "propose", "decline", "cancel"] });

    const confirmed = await callAs(svc, worker, "POST", `/api/bookings/${number}/actions`, { action: "confirm" });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: "confirmed", actions: ["propose", "decline", "cancel", "done"] });
    expect(await sentTo(resident.chatId, "booking_confirm")).toHaveLength(1);

    const closed = await callAs(svc, admin, "POST", `/api/bookings/${number}/actions`, { action: "propose", at: "2026-12-06T14:00:00+08:00" });
    expect(closed.status).toBe(409);
    expect(closed.body.error.message).toContain("不开放或排不下");
    const moved = await callAs(svc, admin, "POST", `/api/bookings/${number}/actions`, { action: "propose", at: "2026-12-02T13:30:00+08:00", note: "周二人手不足" });
    expect(moved.body).toMatchObject({ status: "proposed", proposedAt: cst("2026-12-02T13:30").toISOString() });
    expect((await sentTo(resident.chatId, "booking_propose"))[0].text).toContain("建议改到 12月2日周三 13:30（周二人手不足）");
    const wrong = await callAs(svc, admin, "POST", `/api/bookings/${number}/actions`, { action: "done" });
    expect(wrong.status).toBe(409);
    expect((await callAs(svc, admin, "POST", "/api/bookings/YY2026-999999/actions", { action: "confirm" })).status).toBe(404);

    const unit = await svc.services.db.unit.findFirstOrThrow();
    const { token } = await createApiToken(svc.services.db, { name: "物业", role: "unit", unitId: unit.id });
    const res = await fetch(`${svc.url}/api/bookings`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
  });
});

describe("cancel by the resident", () => {
  it("cancels by number, tells the staff, and a second cancel is refused", async () => {
    const { number } = await book();
    const cancelled = await say("2026-11-26T12:00", `取消预约 ${number}`);
    expect(cancelled.body.outcome).toBe("booking");
    expect(cancelled.text).toContain(`预约 ${number}（幸福社区党群服务中心 家政保洁，12月1日周二 08:30）已取消`);
    expect((await booking(number)).status).toBe("cancelled");
    expect((await sentTo(STAFF, "booking_cancel"))[0].text).toContain(`预约 ${number}（家政保洁，12月1日周二 08:30）已取消`);
    const again = await say("2026-11-26T12:01", `取消预约 ${number}`);
    expect(again.text).toContain("预约已取消，不能取消");
    // Someone else's number reads as not found.
    const other = await say("2026-11-26T12:02", `取消预约 ${number}`, { chatId: "wx-other", senderId: "wx-other" });
    expect(other.text).toContain("未找到该预约");
  });
});

describe("the pure parts", () => {
  const now = cst("2026-11-26T10:00");
  it("reads the dates and times residents and staff write, in China time", () => {
    expect(parseWhen("预约下周二上午的家政保洁", now)).toEqual({ date: "2026-12-01", minute: null, period: "morning" });
    expect(parseWhen("明天下午3点", now)).toEqual({ date: "2026-11-27", minute: 15 * 60, period: "afternoon" });
    expect(parseWhen("12月5日上午9点", now)).toEqual({ date: "2026-12-05", minute: 9 * 60, period: "morning" });
    expect(parseWhen("周六", now)).toEqual({ date: "2026-11-28", minute: null, period: null });
    expect(parseWhen("改约 12月6日14:00", now)).toEqual({ date: "2026-12-06", minute: 14 * 60, period: null });
    expect(parseWhen("帮我约家政保洁", now)).toBeNull();
  });

  it("takes 下午 as the afternoon's first open start, and refuses a time the service does not fit", () => {
    const hours = { week: { mon: [], tue: ["08:30-12:00", "13:30-17:30"], wed: [], thu: [], fri: [], sat: [], sun: [] }, holiday: [] };
    expect(resolveSlot(officialCalendar(), hours, 120, { date: "2026-12-01", minute: null, period: "afternoon" }, now)).toEqual({ open: true, at: cst("2026-12-01T13:30") });
    const late = resolveSlot(officialCalendar(), hours, 120, { date: "2026-12-01", minute: 16 * 60, period: null }, now);
    expect(late).toMatchObject({ open: false, reason: "closed" });
  });

  it("keeps the steps as a table: who may take which step from which status", () => {
    expect(requestStep("requested", "accept_proposal", "resident")).toEqual({ refused: "预约待确认，不能同意改约" });
    expect(requestStep("proposed", "accept_proposal", "staff")).toEqual({ refused: "不能同意改约这个预约" });
    expect(allowedRequestActions("done", "resident")).toEqual(["rate"]);
    expect(parseStaffCommand("YY2026-000001 拒绝 当天人手不足")).toEqual({ number: "YY2026-000001", action: "decline", rest: "当天人手不足" });
  });
});
