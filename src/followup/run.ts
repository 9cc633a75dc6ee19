// One follow-up pass: run the jobs due now, then send what they queued (node-cron, the simulator and tests).
import type { Scheduler } from "./scheduler.ts";
import type { OutboxDispatcher } from "../outbox.ts";
import type { Replies } from "../texts/replies.ts";
import type { Db } from "../db.ts";

export async function runFollowUp(s: { clock: () => Date; scheduler: Scheduler; dispatcher: OutboxDispatcher; replies?: Replies; db?: Db }): Promise<void> {
  const now = s.clock();
  if (s.replies && s.db) await s.replies.fresh(s.db); // an administrator may have changed a text in another process
  await s.scheduler.tick(now);
  await s.dispatcher.flush(now);
}
