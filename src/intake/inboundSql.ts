// The statements every message runs, written as SQL for both engines (db.ts sqlRows) rather than through Prisma's query
// API: Prisma plans each query it is given anew, about a millisecond of CPU each, and these run for every message
// in every group. Raw rows come back typed by the columns (dates, booleans, JSON), as Prisma's own would.
import { sqlRunLater, sqlTime, type Db, type Prisma } from "../db.ts";
import type { IntakeResult, Row } from "./types.ts";
import { insertRow } from "../rawRows.ts";

type Tx = Prisma.TransactionClient | Db;

/** A message as stored before it is processed. */
export interface InboundInsert {
  channel: string;
  messageId: string;
  chatId: string;
  chatName: string | null;
  isGroup: boolean;
  senderId: string;
  senderName: string | null;
  kind: string;
  text: string;
  mentionsBot: boolean;
  raw: unknown;
  status: string;
  leaseUntil: Date;
  receivedAt: Date;
}

/** Stores a message in one statement; a message already stored is a unique violation (db.ts isUniqueViolation). */
export function insertInbound(db: Tx, m: InboundInsert): Promise<Row> {
  const data = { ...m, raw: m.raw as Prisma.InputJsonValue };
  return insertRow(db, "InboundMessage", data, () => db.inboundMessage.create({ data }));
}

const FINISH = `UPDATE "InboundMessage" SET "status" = ?, "outcome" = ?, "result" = ?j, "processedAt" = ?t WHERE "id" = ?`;
const FINISH_CASE = `UPDATE "InboundMessage" SET "status" = ?, "outcome" = ?, "result" = ?j, "processedAt" = ?t, "caseId" = ? WHERE "id" = ?`;

/** Records what became of a message: its status, outcome and answer (and its case), with its transaction's next statement. */
export async function finishInbound(db: Tx, id: number, f: { status: string; outcome: string; result: unknown; now: Date; caseId?: number }): Promise<void> {
  const values = [f.status, f.outcome, JSON.stringify(f.result), sqlTime(f.now)];
  if (f.caseId) await sqlRunLater(db, FINISH_CASE, ...values, f.caseId, id);
  else await sqlRunLater(db, FINISH, ...values, id);
}

/**
 * Senders written as residents, `n` in one statement (their names as the chat gives them now, a name missing
 * leaving the one known): each one's id, channel and externalId. The values: channel, externalId, displayName,
 * createdAt, updatedAt for each; no sender twice (an upsert may not touch a row twice).
 */
export const RESIDENT_UPSERT = (n: number) => `INSERT INTO "Resident" ("channel", "externalId", "displayName", "createdAt", "updatedAt")
  VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?t, ?t)").join(", ")}
  ON CONFLICT ("channel", "externalId") DO UPDATE SET "displayName" = COALESCE(excluded."displayName", "Resident"."displayName"),
  "updatedAt" = CASE WHEN excluded."displayName" IS NULL THEN "Resident"."updatedAt" ELSE excluded."updatedAt" END RETURNING "id", "channel", "externalId"`;

/** A question we asked a sender in a chat, still open (looked up by groupCommit.ts, with the others of its turn). */
export type OpenQuestion = { id: number; caseId: number; kind: string };

/** How a message's outcome is stored: kept without an answer (ignored), or processed. */
export const statusOf = (outcome: IntakeResult["outcome"]) => (outcome === "ignored" || outcome === "not_addressed" ? "ignored" : "processed");
