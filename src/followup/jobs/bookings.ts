// Bookings' follow-up: the reminder the day before (for the slot it was scheduled for: a moved booking's old reminder
// stands down) and the one-question rating after the staff marked it done. Each asks first whether it still applies.
import { z } from "zod";
import type { JobHandler } from "../scheduler.ts";
import { done, skipped, type JobContext } from "../context.ts";
import { bookingVars, loadBooking, tellResident } from "../../places/bookings.ts";

const payloadSchema = z.object({ requestId: z.number().int().positive(), slotAt: z.string().optional() });

export function bookingReminderJob(ctx: JobContext): JobHandler {
  return async function bookingReminder(job, now) {
    const { requestId, slotAt } = payloadSchema.parse(job.payload);
    const booking = await loadBooking(ctx.db, requestId);
    if (!booking) return skipped("booking gone");
    if (booking.status !== "confirmed") return skipped(`booking is ${booking.status}`);
    if (slotAt && booking.slotAt.toISOString() !== slotAt) return skipped("booking moved: the new slot has its own reminder");
    if (booking.slotAt.getTime() <= now.getTime()) return skipped("slot already past");
    const settings = await ctx.settings.current();
    await ctx.db.$transaction((tx) => tellResident(tx, booking, ctx.replies.render("booking_reminder", bookingVars(booking)), "booking_reminder", now, settings.quietHours, `job:${job.id}`));
    return done("reminded the resident");
  };
}

export function bookingRatingJob(ctx: JobContext): JobHandler {
  return async function bookingRating(job, now) {
    const { requestId } = payloadSchema.parse(job.payload);
    const booking = await loadBooking(ctx.db, requestId);
    if (!booking) return skipped("booking gone");
    if (booking.status !== "done") return skipped(`booking is ${booking.status}`);
    if (!booking.resident) return skipped("nobody to ask");
    const settings = await ctx.settings.current();
    await ctx.db.$transaction((tx) => tellResident(tx, booking, ctx.replies.render("booking_rating_ask", bookingVars(booking)), "booking_rating", now, settings.quietHours, `job:${job.id}`));
    return done("asked the resident");
  };
}
