// The follow-up jobs by kind, for the scheduler.
import type { JobKind } from "./schedule.ts";
import type { JobHandler } from "./scheduler.ts";
import type { JobContext } from "./context.ts";
import { chaseJob } from "./jobs/chase.ts";
import { escalateJob } from "./jobs/escalate.ts";
import { stillHandlingJob } from "./jobs/stillHandling.ts";
import { surveyExpireJob, surveyJob, surveyReminderJob } from "./jobs/survey.ts";
import { retentionJob } from "./jobs/retention.ts";
import { mediaFetchJob } from "./jobs/mediaFetch.ts";
import { hotspotsJob } from "./jobs/hotspots.ts";
import { volunteerUnclaimedJob } from "./jobs/volunteerUnclaimed.ts";
import { bookingRatingJob, bookingReminderJob } from "./jobs/bookings.ts";

export function jobHandlers(ctx: JobContext): Record<JobKind, JobHandler> {
  return {
    chase: chaseJob(ctx),
    escalate: escalateJob(ctx),
    still_handling: stillHandlingJob(ctx),
    survey: surveyJob(ctx),
    survey_reminder: surveyReminderJob(ctx),
    survey_expire: surveyExpireJob(ctx),
    retention: retentionJob(ctx),
    media_fetch: mediaFetchJob(ctx),
    hotspots: hotspotsJob(ctx),
    volunteer_unclaimed: volunteerUnclaimedJob(ctx),
    booking_reminder: bookingReminderJob(ctx),
    booking_rating: bookingRatingJob(ctx),
  };
}
