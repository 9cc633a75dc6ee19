// What the intake's steps pass between them (pipeline.ts, mediaTurns.ts) and what it answers a channel with.
import type { Db } from "../db.ts";
import type { Place as FoundPlace } from "../org/areas.ts";

export type Outcome =
  | "unit_command"
  | "appeal"
  | "media"
  | "emergency"
  | "answer"
  | "case_query"
  | "chat"
  | "not_addressed"
  | "ignored"
  | "failed";

export interface CaseSummary {
  number: string;
  status: string;
  matterCode: string | null;
  matterName: string | null;
  leadUnit: string | null;
  dueAt: string | null;
}

export interface IntakeResult {
  outcome: Outcome;
  replies: { chatId: string; text: string; mentions?: string[] }[];
  case?: CaseSummary;
  ignored?: { reason: string; message: string };
}

/** A stored inbound message. */
export type Row = Awaited<ReturnType<Db["inboundMessage"]["create"]>>;
export type Group = { id: number; name: string; gridId: number | null; mentionRequired: boolean } | null;
/** Where the appeal is: the place words, the building and grid they name; `pinned` when a location pin says it. */
/** Where an appeal is (org/areas.ts placeOf), and whether a location pin said so. */
export type Place = FoundPlace & { pinned?: boolean };

export interface Turn {
  row: Row;
  now: Date;
  text: string;
  group: Group;
  residentId: number;
}
