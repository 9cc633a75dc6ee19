// One follow-up pass: run the jobs due now, then send what they queued (node-cron, the simulator and tests).
import type { Scheduler } from "./scheduler.ts";
import type { OutboxDispatcher } from "../outbox.ts";

export async function runFollowUp(s: { clock: () => Date; scheduler: Scheduler; dispatcher: OutboxDispatcher }): Promise<void> {
  const now = s.clock();
  await s.scheduler.tick(now);
  await s.dispatcher.flush(now);
}
