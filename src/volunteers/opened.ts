// What the community's own people hear when an appeal's case is opened (the one call from intake/appeal.ts).
import type { Prisma } from "../db.ts";
import type { Replies } from "../texts/replies.ts";
import { offerToVolunteers, type TaskDeps } from "./tasks.ts";
import { tellHouseholds } from "./households.ts";

type Tx = Prisma.TransactionClient;

/**
 * The building's 党员中心户 hear of it; a 志愿者可认领 appeal is offered to the grid's volunteers. True when it
 * was offered: no unit gets it until nobody claims it in time.
 */
export async function communityOnOpen(
  d: Pick<TaskDeps, "cases" | "runtimeSettings"> & { replies: Replies },
  tx: Tx,
  kase: Parameters<typeof offerToVolunteers>[2] & Parameters<typeof tellHouseholds>[2],
  now: Date,
): Promise<boolean> {
  await tellHouseholds(d, tx, kase, await d.runtimeSettings.current(), now);
  return offerToVolunteers(d, tx, kase, now);
}
