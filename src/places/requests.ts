// Bookings (预约) of a place's service: not complaint cases, with their own statuses and their own table of steps —
// which step, from which status, by whom (as domain/caseMachine.ts does for cases). Pure: the numbers, the labels,
// the table and the words residents and staff use for a step.
export const REQUEST_STATUSES = ["requested", "confirmed", "proposed", "declined", "cancelled", "done", "rated"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const REQUEST_STATUS_LABELS: Record<RequestStatus, string> = {
  requested: "待确认",
  confirmed: "已确认",
  proposed: "已建议改约，待居民确认",
  declined: "已婉拒",
  cancelled: "已取消",
  done: "已完成，待评价",
  rated: "已评价",
};

export const REQUEST_ACTIONS = ["confirm", "propose", "decline", "accept_proposal", "cancel", "done", "rate"] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];
/** Who takes a step: the place's staff (their work chat), a worker or administrator (the console), the resident. */
export type RequestActor = "staff" | "worker" | "resident";

export const REQUEST_ACTION_LABELS: Record<RequestAction, string> = {
  confirm: "确认",
  propose: "改约",
  decline: "婉拒",
  accept_proposal: "同意改约",
  cancel: "取消",
  done: "完成",
  rate: "评价",
};

interface Rule {
  from: RequestStatus[];
  to: RequestStatus;
  by: RequestActor[];
}

/** The lifecycle: requested → confirmed | proposed | declined; proposed → confirmed (the resident agrees); confirmed → done → rated. */
export const REQUEST_RULES: Record<RequestAction, Rule> = {
  confirm: { from: ["requested"], to: "confirmed", by: ["staff", "worker"] },
  // A confirmed booking may be moved too (the staff fell ill): the resident agrees again.
  propose: { from: ["requested", "confirmed", "proposed"], to: "proposed", by: ["staff", "worker"] },
  decline: { from: ["requested", "confirmed", "proposed"], to: "declined", by: ["staff", "worker"] },
  accept_proposal: { from: ["proposed"], to: "confirmed", by: ["resident"] },
  cancel: { from: ["requested", "confirmed", "proposed"], to: "cancelled", by: ["resident", "worker"] },
  done: { from: ["confirmed"], to: "done", by: ["staff", "worker"] },
  rate: { from: ["done"], to: "rated", by: ["resident"] },
};

export const OPEN_REQUEST_STATUSES: RequestStatus[] = ["requested", "confirmed", "proposed"];

/** The status after `action`, or the reason (in Chinese) it cannot be taken. */
export function requestStep(status: string, action: RequestAction, by: RequestActor): { to: RequestStatus } | { refused: string } {
  const rule = REQUEST_RULES[action];
  if (!rule.by.includes(by)) return { refused: `不能${REQUEST_ACTION_LABELS[action]}这个预约` };
  if (!(rule.from as string[]).includes(status)) {
    const label = REQUEST_STATUS_LABELS[status as RequestStatus] ?? status;
    return { refused: `预约${label}，不能${REQUEST_ACTION_LABELS[action]}` };
  }
  return { to: rule.to };
}

/** The steps `by` may take from `status` (the console's buttons). */
export function allowedRequestActions(status: string, by: RequestActor): RequestAction[] {
  return REQUEST_ACTIONS.filter((a) => "to" in requestStep(status, a, by));
}

/** YY2026-000001: "YY" (预约) and the year, so a booking's number never reads as a case's. */
export function formatRequestNumber(year: number, seq: number): string {
  return `YY${year}-${String(seq).padStart(6, "0")}`;
}
export const REQUEST_NUMBER_PATTERN = /YY(20\d{2})-(\d{6})/i;
export const REQUEST_NUMBER_EXACT = /^YY20\d{2}-\d{6}$/;

/** The booking number in a message, upper-cased. */
export function quotedRequestNumber(text: string): string | null {
  const m = REQUEST_NUMBER_PATTERN.exec(text);
  return m ? `YY${m[1]}-${m[2]}` : null;
}

/** What staff write in their work chat: "YY2026-000001 确认", "… 改约 12月6日14:00", "… 拒绝 当天人手不足", "… 完成". */
export function parseStaffCommand(text: string): { number: string; action: "confirm" | "propose" | "decline" | "done"; rest: string } | null {
  const m = new RegExp(`^\\s*${REQUEST_NUMBER_PATTERN.source}[\\s,，:：]*(确认|同意|接单|改约|改期|改到|改为|拒绝|婉拒|不接|完成|已完成|已服务)[\\s,，:：]*(.*)$`, "is").exec(text);
  if (!m) return null;
  const verb = m[3];
  const action = /确认|同意|接单/.test(verb) ? "confirm" : /改/.test(verb) ? "propose" : /拒|不接/.test(verb) ? "decline" : "done";
  return { number: `YY${m[1]}-${m[2]}`, action, rest: m[4].trim().slice(0, 300) };
}

/** A resident agreeing to a proposed time: a short "确认" / "好的" / "可以". */
export function saysAgree(text: string): boolean {
  const t = text.replace(/[\s!！。.~～,，]+/g, "");
  return t.length <= 12 && /^(确认|确定|好的?|可以|行|同意|没问题|就这个时间|就这样|ok|嗯嗯?)(的|吧|啊|呀|了|改约|时间)*$/i.test(t);
}

/** "取消预约 YY2026-000001" (the number may be left out when the resident has one open booking). */
export function saysCancel(text: string): boolean {
  return /取消(预约|预订|服务)|不约了|不用来了|不需要了.*预约/.test(text);
}
