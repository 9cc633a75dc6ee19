// The case lifecycle as a table: which action may move a case from which status, by whom, to where.
// 受理 → 派单 → 办理 → 办结 → 回访 → 结案, with 退单, 合并, 重办, 撤回 and 不予受理 on the side.
import { OPEN_STATUSES, STATUS_LABELS, WORKING_STATUSES, type CaseStatus } from "./case.ts";

// volunteer: a red volunteer of the case's grid (志愿者); household: a building's 党员中心户 (notes only).
export const ACTORS = ["bot", "worker", "unit", "resident", "scheduler", "volunteer", "household"] as const;
export type Actor = (typeof ACTORS)[number];

export type CaseAction =
  | "confirm" // a worker confirms the bot's classification (确认)
  | "dispatch" // sent to the lead unit (派单)
  | "reassign" // sent to another lead unit instead, on fresh limits (改派)
  | "split" // a wrongly joined 同诉 report becomes a case of its own (拆分同诉)
  | "accept" // the unit acknowledges it (签收) — this is the response the response limit measures
  | "start" // the unit starts work (开始办理)
  | "resolve" // the unit reports it done, with a result (办结)
  | "return" // the unit sends it back, with a reason (退单)
  | "request_feedback" // the survey is sent (回访)
  | "evaluate_ok" // the resident is satisfied or basically satisfied
  | "expire_feedback" // no answer in time: not evaluated
  | "close" // a worker closes it (结案)
  | "reopen" // rework after 不满意 or 没解决 (重办)
  | "merge" // a duplicate of another case (合并)
  | "withdraw" // the resident withdraws it (撤回)
  | "reject" // not an appeal (不予受理)
  | "transcribe" // a worker writes down what a voice message says (补录文字)
  | "offer_volunteers" // offered to the volunteers of its grid before any unit (志愿者认领邀请)
  | "volunteer_claim" // the first volunteer to claim it takes it (志愿者认领)
  | "volunteer_unclaimed"; // nobody claimed it in time: it goes the normal way (无人认领)

interface Rule {
  from: CaseStatus[];
  /** null: the status stays (the action is recorded, and may set a time stamp). */
  to: CaseStatus | null;
  by: Actor[];
  needsReason?: boolean;
  label: string;
}

const OPEN_WORK = WORKING_STATUSES;

export const RULES: Record<CaseAction, Rule> = {
  confirm: { from: ["needs_review", "returned"], to: "accepted", by: ["worker"], label: "确认" },
  dispatch: { from: ["accepted", "returned", "reopened"], to: "dispatched", by: ["worker", "bot"], label: "派单" },
  reassign: { from: ["dispatched", "in_progress", "reopened", "returned"], to: "dispatched", by: ["worker"], label: "改派" },
  split: { from: OPEN_STATUSES, to: null, by: ["worker"], label: "拆分同诉" },
  accept: { from: ["dispatched", "reopened"], to: null, by: ["unit", "worker"], label: "签收" },
  start: { from: ["dispatched", "reopened"], to: "in_progress", by: ["unit", "worker"], label: "开始办理" },
  resolve: { from: OPEN_WORK, to: "resolved", by: ["unit", "worker", "volunteer"], needsReason: true, label: "办结" },
  return: { from: OPEN_WORK, to: "returned", by: ["unit", "worker"], needsReason: true, label: "退单" },
  request_feedback: { from: ["resolved"], to: "awaiting_feedback", by: ["scheduler", "bot"], label: "回访" },
  evaluate_ok: { from: ["awaiting_feedback", "resolved"], to: "closed", by: ["resident"], label: "评价" },
  expire_feedback: { from: ["awaiting_feedback"], to: "closed", by: ["scheduler"], label: "未评价结案" },
  close: { from: ["resolved", "awaiting_feedback"], to: "closed", by: ["worker", "scheduler"], label: "结案" },
  reopen: { from: ["resolved", "awaiting_feedback", "closed"], to: "reopened", by: ["resident", "worker"], needsReason: true, label: "重办" },
  merge: { from: ["needs_review", "accepted", "dispatched", "returned"], to: "merged", by: ["worker"], label: "合并" },
  withdraw: { from: ["needs_review", "accepted", "dispatched", "in_progress", "returned", "reopened"], to: "withdrawn", by: ["resident", "worker"], label: "撤回" },
  reject: { from: ["needs_review", "accepted", "returned"], to: "rejected", by: ["worker"], needsReason: true, label: "不予受理" },
  transcribe: { from: ["needs_review", "accepted", "returned"], to: null, by: ["worker"], needsReason: true, label: "补录文字" },
  offer_volunteers: { from: ["accepted"], to: null, by: ["bot"], label: "志愿者认领邀请" },
  volunteer_claim: { from: ["accepted"], to: "in_progress", by: ["volunteer"], label: "志愿者认领" },
  volunteer_unclaimed: { from: ["accepted"], to: null, by: ["scheduler"], label: "无人认领" },
};

export class TransitionError extends Error {
  constructor(message: string, readonly code: "illegal_transition" | "not_allowed" | "reason_required") {
    super(message);
  }
}

/** The lifecycle actions `actor` may take on a case in `status` (what the console offers; the server checks again). */
export function actionsFrom(status: CaseStatus, actor: Actor): CaseAction[] {
  return (Object.keys(RULES) as CaseAction[]).filter((a) => RULES[a].by.includes(actor) && RULES[a].from.includes(status));
}

/** The status after `action`, or a TransitionError saying in Chinese why it may not happen. */
export function nextStatus(status: CaseStatus, action: CaseAction, actor: Actor, reason?: string | null): CaseStatus {
  const rule = RULES[action];
  if (!rule.by.includes(actor)) {
    throw new TransitionError(`“${rule.label}”不能由${ACTOR_LABELS[actor]}执行`, "not_allowed");
  }
  if (!rule.from.includes(status)) {
    throw new TransitionError(`工单当前状态为“${STATUS_LABELS[status]}”，不能${rule.label}`, "illegal_transition");
  }
  if (rule.needsReason && !reason?.trim()) {
    throw new TransitionError(`${rule.label}需要填写${action === "resolve" ? "办理结果" : action === "transcribe" ? "语音的内容" : "原因"}`, "reason_required");
  }
  return rule.to ?? status;
}

export const ACTOR_LABELS: Record<Actor, string> = {
  bot: "机器人",
  worker: "工作人员",
  unit: "承办单位",
  resident: "居民",
  scheduler: "系统",
  volunteer: "志愿者",
  household: "党员中心户",
};
