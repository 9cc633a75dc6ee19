// An inbound message is processed once across instances: processing is a claim in the database (status
// "processing" and a lease), taken with a conditional update. Another instance that gets the same message (WeChat
// re-sends a callback after 5 s, a load balancer retries) waits for the claimer's answer and returns it; a claim
// whose lease has run out (its instance died) is taken over, by the next delivery or by the periodic pass.
import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import type { IntakeResult, Row } from "./types.ts";

/**
 * How long a claim holds a message: longer than processing takes (the LLM's calls have LLM_TIMEOUT_MS each, 15 s by
 * default), so only an instance that died, or stopped answering, leaves a message to the others.
 */
export const PROCESSING_LEASE_MS = 2 * 60_000;
/** How long a second delivery waits, in real time, for the answer of the instance processing the message. */
export const ANSWER_WAIT_MS = 8_000;
const POLL_MS = 100;

/** Statuses of a message that is stored and not answered (received: stored before claims existed, or by hand). */
const UNANSWERED = ["received", "processing"];
const claimable = (now: Date) => ({ status: { in: UNANSWERED }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] });

export const processingLease = (now: Date) => ({ status: "processing", leaseUntil: new Date(now.getTime() + PROCESSING_LEASE_MS) });

/** Takes a stored message for processing, only while nobody holds it (never claimed, or the claim ran out by `now`). */
export async function claimMessage(db: Db, id: number, now: Date): Promise<boolean> {
  const { count } = await db.inboundMessage.updateMany({ where: { id, ...claimable(now) }, data: processingLease(now) });
  return count === 1;
}

/** Stored messages without an answer that nobody holds at `now` (their instance died), oldest first. */
export function unclaimedMessages(db: Db, now: Date, limit: number): Promise<Row[]> {
  return db.inboundMessage.findMany({ where: claimable(now), orderBy: { id: "asc" }, take: limit });
}

/**
 * Waits for the answer of a message another instance holds, checking every 100 ms for `waitMs` of real time (the
 * holder is at work now). Past that, a 503 that asks to send it again: the repeat gets the answer once there is one.
 */
export async function awaitAnswer(db: Db, id: number, waitMs = ANSWER_WAIT_MS): Promise<IntakeResult> {
  const until = Date.now() + waitMs;
  for (;;) {
    const row = await db.inboundMessage.findUniqueOrThrow({ where: { id }, select: { result: true } });
    if (row.result) return row.result as unknown as IntakeResult;
    if (Date.now() >= until) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new AppError("in_progress", 503, "这条消息正在处理中，请稍后重发以获取回复", undefined, true);
}
