// What every follow-up job works with.
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";
import type { Replies } from "../texts/replies.ts";
import type { SettingsStore } from "../settings.ts";
import type { CaseService } from "../cases/service.ts";
import type { MediaService } from "../media/service.ts";
import type { SignedLinks } from "../media/links.ts";
import type { JobResult, JobRow } from "./scheduler.ts";

export interface JobContext {
  db: Db;
  log: Logger;
  replies: Replies;
  settings: SettingsStore;
  cases: CaseService;
  media: MediaService;
  /** Signed links: the survey's answer page, for residents reached by a subscription notice. */
  links: SignedLinks;
}

export const done = (outcome: string): JobResult => ({ status: "done", outcome });
export const skipped = (outcome: string): JobResult => ({ status: "skipped", outcome });

export async function loadCase(ctx: JobContext, job: JobRow) {
  return ctx.db.case.findUniqueOrThrow({ where: { id: job.caseId! }, include: { matter: true, leadUnit: true, resident: true } });
}

export const PHASE_LABELS: Record<string, string> = { response: "签收", resolve: "办结" };

