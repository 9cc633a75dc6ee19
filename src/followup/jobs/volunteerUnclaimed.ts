// 无人认领: an appeal offered to the grid's volunteers that nobody claimed in time goes to the lead unit (or the grid's
// worker when it is not sent on by itself): the offer is expired and the case takes its volunteer_unclaimed step.
import type { JobHandler } from "../scheduler.ts";
import { done, loadCase, skipped, type JobContext } from "../context.ts";
import { expireOffer } from "../../volunteers/tasks.ts";

export function volunteerUnclaimedJob(ctx: JobContext): JobHandler {
  return async function volunteerUnclaimed(job, now) {
    const task = await ctx.db.volunteerTask.findUnique({ where: { caseId: job.caseId! } });
    if (!task || task.status !== "offered") return skipped(`task is ${task?.status ?? "missing"}`);
    const kase = await loadCase(ctx, job);
    return ctx.db.$transaction(async (tx) => {
      if (!(await expireOffer(tx, kase.id))) return skipped("claimed meanwhile");
      // A worker may have sent it on already: the offer ends, the case stays as the worker left it.
      if (kase.status !== "accepted") return skipped(`case is ${kase.status}: offer ended`);
      await ctx.cases.act(kase.id, { action: "volunteer_unclaimed", actor: "scheduler", now }, tx);
      return done("nobody claimed it: handed on");
    });
  };
}
