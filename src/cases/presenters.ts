// How a case is shown, in each of its shapes: the intake's answer to a channel (caseSummary), the placeholders of
// the reply texts (caseVars), a row of the API's list (caseListItem) and its detail (caseDetail), an attachment,
// and the export's columns. Routes load; these present.
import { ACTOR_LABELS, type Actor } from "../domain/caseMachine.ts";
import { isOverdue, ORIGIN_LABELS, SATISFACTION_LABELS, STATUS_LABELS, URGENCY_LABELS, WORKING_STATUSES, type CaseStatus, type Urgency } from "../domain/case.ts";
import { formatChinaDateTime } from "../domain/time.ts";
import type { Column } from "../http/tables.ts";
import type { AttachmentRow } from "../media/service.ts";
import type { CaseWithMatter } from "./actions.ts";
import { describeUnit, type UnitResolution } from "../org/roles.ts";

type Named = { name: string } | null;
type MatterRef = { code: string; name: string } | null;
type EventRow = { type: string; actor: string; fromStatus: string | null; toStatus: string | null; note: string | null; data: unknown; createdAt: Date };

/** A case as the intake's answer to a channel shows it. */
export interface CaseSummary {
  number: string;
  status: string;
  matterCode: string | null;
  matterName: string | null;
  leadUnit: string | null;
  dueAt: string | null;
}

export function caseSummary(c: { number: string; status: string; resolveDueAt: Date | null; matter: MatterRef; leadUnit: Named }): CaseSummary {
  return {
    number: c.number,
    status: c.status,
    matterCode: c.matter?.code ?? null,
    matterName: c.matter?.name ?? null,
    leadUnit: c.leadUnit?.name ?? null,
    dueAt: c.resolveDueAt?.toISOString() ?? null,
  };
}

/** The placeholders every reply text about a case may use ({{case_number}}, {{lead_unit}} …). */
export function caseVars(kase: CaseWithMatter): Record<string, string> {
  return {
    case_number: kase.number,
    matter_name: kase.matter?.name ?? "待确认事项",
    lead_unit: kase.leadUnit?.name ?? "社区工作人员",
    location: kase.location ?? "未说明",
    appeal: kase.text,
    urgency: kase.urgency === "emergency" ? "（紧急）" : kase.urgency === "urgent" ? "（急）" : "",
    response_due: kase.responseDueAt ? formatChinaDateTime(kase.responseDueAt) : "—",
    resolve_due: kase.resolveDueAt ? formatChinaDateTime(kase.resolveDueAt) : "—",
    result: kase.resolution ?? "",
  };
}

type CaseRow = {
  number: string;
  status: string;
  text: string;
  location: string | null;
  urgency: string;
  matter: MatterRef;
  leadUnit: Named;
  grid: Named;
  responseDueAt: Date | null;
  resolveDueAt: Date | null;
  respondedAt: Date | null;
  escalationLevel: number;
  createdAt: Date;
  /** 同诉: how many residents raised it; resident or proactive (a task from a hotspot). */
  reporterCount: number;
  origin: string;
};

/** What the list and the detail both show. */
function caseFields(k: CaseRow, now: Date) {
  return {
    number: k.number,
    status: k.status,
    statusLabel: STATUS_LABELS[k.status as CaseStatus],
    urgency: k.urgency,
    location: k.location,
    grid: k.grid?.name ?? null,
    matter: k.matter ? { code: k.matter.code, name: k.matter.name } : null,
    leadUnit: k.leadUnit?.name ?? null,
    responseDueAt: k.responseDueAt,
    resolveDueAt: k.resolveDueAt,
    respondedAt: k.respondedAt,
    escalationLevel: k.escalationLevel,
    reporterCount: k.reporterCount,
    origin: k.origin,
    // Being worked on (its limits count down), and past them: the server's one meaning of each.
    working: WORKING_STATUSES.includes(k.status as CaseStatus),
    overdue: isOverdue(k, now),
    createdAt: k.createdAt,
  };
}

type Classified = { classSource: string; classConfidence: number; classRationale: string; unitResolution: unknown; events?: { type: string; data: unknown }[] };

/**
 * How the case's units were found, as workers read it: each unit with its role and the area that named it
 * ("属地街道综合行政执法队 → 明月街道综合行政执法队（按 明月街道 确定）"), and each role nobody fills there, with why.
 */
export function unitsShown(resolution: unknown) {
  const r = resolution as UnitResolution | null;
  if (!r) return null;
  return {
    lead: r.lead ? { unit: r.lead.unit.name, role: r.lead.role?.name ?? null, area: r.lead.area?.name ?? null, source: r.lead.source, text: describeUnit(r.lead) } : null,
    cooperating: r.cooperating.map((c) => ({ unit: c.unit.name, role: c.role?.name ?? null, area: c.area?.name ?? null, source: c.source, text: describeUnit(c) })),
    unresolved: r.unresolved.map((u) => ({ slot: u.slot, role: u.role.name, reason: u.reason })),
  };
}

/** A row of the case list; in the review queue, with how the bot classified it and its alternatives' names. */
export function caseListItem(k: CaseRow & Classified, now: Date, review: { names: Map<string, string> } | null) {
  return {
    ...caseFields(k, now),
    text: k.text.length > 300 ? k.text.slice(0, 300) + "…" : k.text,
    ...(review
      ? {
          classification: {
            source: k.classSource,
            confidence: k.classConfidence,
            rationale: k.classRationale,
            alternatives: namedAlternatives(k.events, review.names),
          },
          // Why it waits for a worker when a role of its matter had nobody to fill it at its place.
          unresolvedUnits: unitsShown(k.unitResolution)?.unresolved ?? [],
        }
      : {}),
  };
}

export type CaseDetailRow = CaseRow &
  Omit<Classified, "events"> & {
    building: Named;
    cooperatingUnits: { unit: { name: string } }[];
    resolvedAt: Date | null;
    resolution: string | null;
    satisfaction: string | null;
    reworkCount: number;
    classModel: string | null;
    promptVersionId: number | null;
    listVersionId: number | null;
    events: EventRow[];
    attachments: AttachmentRow[];
    messages: { text: string; kind: string; receivedAt: Date }[];
    outbox: { text: string; kind: string; status: string; via: string | null; lastError: string | null; createdAt: Date; sentAt: Date | null }[];
    reporters: { id: number; text: string; similarity: number; joinedAt: Date; splitAt: Date | null; splitCaseId: number | null; satisfaction: string | null }[];
  };

/** The case detail: its timeline, its messages both ways (by role, never by address) and its attachments. */
export function caseDetail(k: CaseDetailRow, now: Date, view: { allowedActions: string[]; names: Map<string, string>; splitCases?: Map<number, string> }) {
  const opened = openedData(k.events);
  return {
    ...caseFields(k, now),
    text: k.text,
    building: k.building?.name ?? null,
    cooperatingUnits: k.cooperatingUnits.map((c) => c.unit.name),
    units: unitsShown(k.unitResolution),
    resolvedAt: k.resolvedAt,
    resolution: k.resolution,
    satisfaction: k.satisfaction,
    reworkCount: k.reworkCount,
    // What this viewer may do now (the console's buttons); the action route checks again.
    allowedActions: view.allowedActions,
    classification: {
      source: k.classSource,
      confidence: k.classConfidence,
      rationale: k.classRationale,
      model: k.classModel,
      /** Which prompt version (LLM answers) and which version of the list the case was classified under. */
      promptVersionId: k.promptVersionId,
      listVersionId: k.listVersionId,
      alternatives: namedAlternatives(k.events, view.names),
      fallbackReason: opened?.classification?.fallbackReason ?? null,
      usage: opened?.classification?.usage ?? null,
    },
    // Internal notes are for the people working the case, which includes the unit.
    events: k.events.map((e) => ({
      type: e.type, actor: e.actor, actorLabel: ACTOR_LABELS[e.actor as Actor] ?? e.actor, fromStatus: e.fromStatus, toStatus: e.toStatus, note: e.note, at: e.createdAt,
      // A 党员中心户's visit names the household (for the workers; never told to the resident).
      ...(e.type === "household_visit" ? { household: (e.data as { householdName?: string } | null)?.householdName ?? null } : {}),
    })),
    // 同诉: the residents who joined (their words, how alike, their own rating), and where a split one went.
    reporters: k.reporters.map((r) => ({
      id: r.id,
      text: r.text,
      similarity: r.similarity,
      joinedAt: r.joinedAt,
      satisfaction: r.satisfaction,
      split: r.splitAt ? { at: r.splitAt, caseNumber: (r.splitCaseId && view.splitCases?.get(r.splitCaseId)) || null } : null,
    })),
    // Photos, voice messages and location pins, each readable only through this case.
    attachments: k.attachments.map((a) => presentAttachment(k.number, a)),
    messages: [
      ...k.messages.map((m) => ({ direction: "in" as const, party: "居民", text: m.text || KIND_WORDS[m.kind] || "", kind: m.kind, at: m.receivedAt, status: "received" })),
      ...k.outbox.map((o) => ({
        direction: "out" as const,
        party: audienceOf(o.kind),
        text: o.text,
        at: o.sentAt ?? o.createdAt,
        status: o.status,
        // 客服消息, 订阅通知, the callback's passive reply …; and why it could not be delivered.
        via: o.via,
        ...(o.status === "undeliverable" ? { reason: o.lastError } : {}),
      })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime()),
  };
}

type OpenedData = { classification?: { alternatives?: { code: string; score: number }[]; fallbackReason?: string; usage?: unknown } } | undefined;
const openedData = (events: { type: string; data: unknown }[] = []) => events.find((e) => e.type === "opened")?.data as OpenedData;

/** The matters the bot ranked after its choice, from the case's "opened" event. */
export const alternativesOf = (events: { type: string; data: unknown }[] = []) => openedData(events)?.classification?.alternatives ?? [];

const namedAlternatives = (events: { type: string; data: unknown }[] | undefined, names: Map<string, string>) =>
  alternativesOf(events).map((a) => ({ ...a, name: names.get(a.code) ?? a.code }));

/** How a message without words reads in the timeline. */
const KIND_WORDS: Record<string, string> = { image: "［照片］", voice: "［语音］", location: "［位置］", unsupported: "［暂不支持的消息］", event: "［事件］" };

/** Who an outgoing message was for, from its kind. */
function audienceOf(kind: string): string {
  if (kind.startsWith("unit_") || kind === "chase") return "承办单位";
  if (kind === "escalation") return "督办";
  if (kind === "returned" || kind === "emergency_alert") return "网格";
  return "居民";
}

/** An attachment as the API shows it: where to read it (through the case), and what it is. */
export function presentAttachment(number: string, a: AttachmentRow) {
  const base = { id: a.id, kind: a.kind, status: a.status, createdAt: a.createdAt };
  const url = `/api/cases/${number}/attachments/${a.id}`;
  if (a.kind === "location") {
    const label = a.label ?? "";
    return {
      ...base,
      latitude: a.latitude,
      longitude: a.longitude,
      label: a.label,
      // WeChat's coordinates are GCJ-02, which 高德 takes as they are.
      mapUrl: a.latitude !== null && a.longitude !== null ? `https://uri.amap.com/marker?position=${a.longitude},${a.latitude}&name=${encodeURIComponent(label || "居民位置")}&coordinate=gaode&callnative=0` : null,
    };
  }
  if (a.kind === "voice") {
    return { ...base, mime: a.mime, size: a.size, url: a.status === "stored" ? url : null, playableUrl: a.playablePath ? `${url}?variant=mp3` : null, recognition: a.recognition, recognitionSource: a.recognitionSource };
  }
  return { ...base, mime: a.mime, size: a.size, url: a.status === "stored" ? url : null };
}

type ExportRow = CaseRow & { resolvedAt: Date | null; resolution: string | null; satisfaction: string | null; reworkCount: number };

/** The columns of the case export (CSV and XLSX). */
export const CASE_EXPORT_COLUMNS: Column<ExportRow>[] = [
  { header: "工单号", value: (k) => k.number, width: 13 },
  { header: "状态", value: (k) => STATUS_LABELS[k.status as CaseStatus] },
  { header: "事项", value: (k) => k.matter?.name, width: 16 },
  { header: "主责单位", value: (k) => k.leadUnit?.name, width: 22 },
  { header: "网格", value: (k) => k.grid?.name, width: 16 },
  { header: "诉求", value: (k) => k.text, width: 60 },
  { header: "地点", value: (k) => k.location, width: 20 },
  { header: "紧急程度", value: (k) => URGENCY_LABELS[k.urgency as Urgency] ?? k.urgency },
  { header: "受理时间", value: (k) => k.createdAt, width: 17 },
  { header: "响应时限", value: (k) => k.responseDueAt, width: 17 },
  { header: "签收时间", value: (k) => k.respondedAt, width: 17 },
  { header: "办结时限", value: (k) => k.resolveDueAt, width: 17 },
  { header: "办结时间", value: (k) => k.resolvedAt, width: 17 },
  { header: "办理结果", value: (k) => k.resolution, width: 40 },
  { header: "督办级别", value: (k) => k.escalationLevel },
  { header: "满意度", value: (k) => (k.satisfaction ? SATISFACTION_LABELS[k.satisfaction] ?? k.satisfaction : "") },
  { header: "重办次数", value: (k) => k.reworkCount },
  { header: "反映人数", value: (k) => k.reporterCount },
  { header: "来源", value: (k) => ORIGIN_LABELS[k.origin] ?? k.origin },
];
