// Fetches a photo or voice message again after its first download failed (WeChat's API down, a timeout). A failure
// fails the job, so it backs off like every job; after the last attempt the media is given up and the case goes on
// with the resident's words.
import type { JobHandler } from "../scheduler.ts";
import { MAX_ATTEMPTS } from "../scheduler.ts";
import { done, skipped, type JobContext } from "../context.ts";

export function mediaFetchJob(ctx: JobContext): JobHandler {
  return async function mediaFetch(job, now) {
    const { attachmentId } = job.payload as { attachmentId: number };
    const a = await ctx.db.attachment.findUnique({ where: { id: attachmentId } });
    if (!a || a.status !== "pending") return skipped(`attachment is ${a?.status ?? "gone"}`);
    if (await ctx.media.fetch(attachmentId, now, { retry: false })) return done("stored");
    const after = await ctx.db.attachment.findUnique({ where: { id: attachmentId } });
    if (after?.status !== "pending") return skipped("given up: the media cannot be kept");
    // The row is as it was before this attempt was claimed.
    if (job.attempts + 1 >= MAX_ATTEMPTS) await ctx.media.giveUp(attachmentId);
    throw new Error(after.lastError ?? "media fetch failed");
  };
}
