// Case vocabulary: statuses, urgency, ratings and case numbers, and how they read in Chinese; working and overdue.
// The lifecycle (which action moves a case from which status) is the table in caseMachine.ts.
export const CASE_STATUSES = [
  "needs_review",
  "accepted",
  "dispatched",
  "in_progress",
  "resolved",
  "awaiting_feedback",
  "closed",
  "returned",
  "merged",
  "reopened",
  "withdrawn",
  "rejected",
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const STATUS_LABELS: Record<CaseStatus, string> = {
  needs_review: "待人工确认",
  accepted: "已受理",
  dispatched: "已派单",
  in_progress: "办理中",
  resolved: "已办结",
  awaiting_feedback: "待回访",
  closed: "已结案",
  returned: "已退单",
  merged: "已合并",
  reopened: "重办中",
  withdrawn: "已撤回",
  rejected: "不予受理",
};

export const OPEN_STATUSES: CaseStatus[] = ["needs_review", "accepted", "dispatched", "in_progress", "returned", "reopened"];
/** With a unit, being worked on: its limits run, it is chased (催办) and escalated (督办). */
export const WORKING_STATUSES: CaseStatus[] = ["dispatched", "in_progress", "reopened"];

export interface DeadlineFacts {
  status: string;
  responseDueAt: Date | null;
  respondedAt: Date | null;
  resolveDueAt: Date | null;
  escalationLevel: number;
}

/**
 * Overdue (超期), the one meaning the lists, their filter and the console share: being worked on, and past the
 * resolve limit, or past the response limit without a response, or already escalated (督办).
 */
export function isOverdue(c: DeadlineFacts, now: Date): boolean {
  if (!(WORKING_STATUSES as string[]).includes(c.status)) return false;
  const past = (at: Date | null) => at !== null && at.getTime() < now.getTime();
  return past(c.resolveDueAt) || (c.respondedAt === null && past(c.responseDueAt)) || c.escalationLevel > 0;
}

export type Urgency = "normal" | "urgent" | "emergency";
export const URGENCY_LABELS: Record<Urgency, string> = { normal: "一般", urgent: "紧急", emergency: "特急" };

/** How the resident rated the handling (回访), or that they did not answer. */
export const SATISFACTION_LABELS: Record<string, string> = { satisfied: "满意", basically_satisfied: "基本满意", dissatisfied: "不满意", not_evaluated: "未评价" };

/** Who raised a case: a resident, or a worker from a hotspot (未诉先办, a proactive task). */
export const ORIGIN_LABELS: Record<string, string> = { resident: "居民", proactive: "主动发现" };

/** pending: nobody could classify it yet (a voice message waiting for a worker to listen). */
export type ClassSource = "llm" | "local" | "rule" | "worker" | "pending";

/** Readable case number: year and a six-digit yearly sequence, e.g. 2026-000123. */
export function formatCaseNumber(year: number, seq: number): string {
  return `${year}-${String(seq).padStart(6, "0")}`;
}

export const CASE_NUMBER_PATTERN = /(20\d{2})-(\d{6})/;
/** A whole case number, as the API takes it in a path or a body (the same digits as CASE_NUMBER_PATTERN). */
export const CASE_NUMBER_EXACT = new RegExp(`^${CASE_NUMBER_PATTERN.source}$`);
