// What the intake's steps pass between them (pipeline.ts and its handlers), what they are built from, and what
// the intake answers a channel with.
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";
import type { Place as FoundPlace } from "../org/areas.ts";
import type { Classifier } from "../classify/types.ts";
import type { ReferenceData } from "../reference.ts";
import type { WorkCalendar } from "../domain/deadlines.ts";
import type { Replies } from "../texts/replies.ts";
import type { CaseService } from "../cases/service.ts";
import type { CaseSummary } from "../cases/presenters.ts";
import type { SettingsStore } from "../settings.ts";
import type { SatisfactionReader } from "../followup/satisfaction.ts";
import type { MediaService } from "../media/service.ts";
import type { PlaceChooser } from "../classify/placeChoice.ts";

export interface IntakeSettings {
  botName: string;
  triggerPrefixes: string[];
  reviewConfidence: number;
  questionTtlHours: number;
}

export interface IntakeDeps {
  db: Db;
  log: Logger;
  settings: IntakeSettings;
  classifier: Classifier;
  /** The classifier that needs no network (emergencies, telling answers from new appeals). */
  local: Classifier;
  reference: ReferenceData;
  calendar: WorkCalendar;
  replies: Replies;
  cases: CaseService;
  runtimeSettings: SettingsStore;
  satisfaction: SatisfactionReader;
  /** Whether a channel answers inside its request (HTTP) rather than from the outbox (WeChat, simulator). */
  answersInRequest: (channel: string) => boolean;
  /** How long a channel holds replies for its callback's passive answer (the 服务号), in ms; 0 for the others. */
  replyHoldMs: (channel: string) => number;
  /** Whether a channel reaches people only within a window after their last message (held messages are released). */
  hasReplyWindow: (channel: string) => boolean;
  media: MediaService;
  /** The LLM's choice of place and question when the local recogniser cannot tell (null or absent: no LLM). */
  placeChooser?: PlaceChooser | null;
}

export type Outcome =
  | "unit_command"
  | "volunteer_command"
  | "appeal"
  | "media"
  | "emergency"
  | "answer"
  | "case_query"
  | "chat"
  | "place_info"
  | "booking"
  | "not_addressed"
  | "ignored"
  | "failed";

export interface IntakeResult {
  outcome: Outcome;
  replies: { chatId: string; text: string; mentions?: string[] }[];
  case?: CaseSummary;
  ignored?: { reason: string; message: string };
}

/** A stored inbound message. */
export type Row = Awaited<ReturnType<Db["inboundMessage"]["create"]>>;
export type Group = { id: number; name: string; gridId: number | null; mentionRequired: boolean } | null;
/** Where an appeal is (org/areas.ts placeOf), and whether a location pin said so. */
export type Place = FoundPlace & { pinned?: boolean };

export interface Turn {
  row: Row;
  now: Date;
  text: string;
  group: Group;
  residentId: number;
  /** false: no photo or pin of the sender's waited for words when the message came (so none is looked for). */
  mediaWaiting?: boolean;
}
