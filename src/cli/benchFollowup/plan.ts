// The follow-up benchmark's rows, planned without a database: a year of cases in every status, each with the jobs
// the service would have scheduled for it (催办 points and 督办 at each limit, 进展告知, 回访 and its reminder and
// expiry, volunteers' and bookings' jobs), those before `now` finished, those after it pending; its events and the
// reply it was sent. Exactly `due` of the cases (a fraction, spread evenly) have one job due at `now`, on a case in
// the state that job acts on, so the tick does the work the service would. Seeded: the same rows every run.
import { seededRandom } from "../../classify/random.ts";
import { dispatchRound, type JobKind } from "../../followup/schedule.ts";
import type { CaseStatus } from "../../domain/case.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** What the planner picks from: the seeded database's grids, matters and units. */
export interface Reference {
  grids: number[];
  matters: { id: number; leadUnitId: number | null; responseHours: number; resolveDays: number }[];
  units: number[];
}

/** A row as columns in a table's order (see COLUMNS); times as Dates, JSON as objects. */
export type Row = unknown[];

export type ColumnType = "int" | "text" | "bool" | "time" | "float" | "json";

/** The columns the benchmark writes, per table; the others take their defaults. */
export const COLUMNS = {
  Resident: { id: "int", channel: "text", externalId: "text", displayName: "text", createdAt: "time", updatedAt: "time" },
  Case: {
    id: "int", number: "text", text: "text", channel: "text", chatId: "text", isGroup: "bool", residentId: "int", matterId: "int", leadUnitId: "int", gridId: "int",
    status: "text", classSource: "text", classConfidence: "float", responseDueAt: "time", resolveDueAt: "time", dispatchedAt: "time", respondedAt: "time",
    resolvedAt: "time", closedAt: "time", satisfaction: "text", escalationLevel: "int", createdAt: "time", updatedAt: "time",
  },
  CaseEvent: { caseId: "int", type: "text", actor: "text", fromStatus: "text", toStatus: "text", createdAt: "time" },
  Outbox: { channel: "text", chatId: "text", text: "text", caseId: "int", kind: "text", dedupeKey: "text", status: "text", attempts: "int", nextAttemptAt: "time", createdAt: "time", sentAt: "time", via: "text" },
  Job: { kind: "text", caseId: "int", dueAt: "time", payload: "json", dedupeKey: "text", status: "text", attempts: "int", outcome: "text", createdAt: "time", finishedAt: "time" },
} as const satisfies Record<string, Record<string, ColumnType>>;
export type Table = keyof typeof COLUMNS;

/** Share of cases in each status (the due ones are put in the statuses their jobs act on). */
const STATUS_WEIGHTS: [CaseStatus, number][] = [
  ["closed", 0.7], ["in_progress", 0.08], ["dispatched", 0.07], ["awaiting_feedback", 0.03], ["resolved", 0.02], ["needs_review", 0.02],
  ["accepted", 0.01], ["returned", 0.01], ["reopened", 0.01], ["merged", 0.01], ["withdrawn", 0.02], ["rejected", 0.02],
];
/** The due jobs by kind: what a tick finds (each on a case it acts on). */
export const DUE_KINDS: [JobKind, number][] = [["chase", 0.3], ["escalate", 0.2], ["still_handling", 0.15], ["survey", 0.15], ["survey_reminder", 0.1], ["survey_expire", 0.1]];
const CHASE_POINTS = [0.5, 0.8];
const FALLBACK_TEXTS = ["小区门口路灯坏了好几天，晚上很黑", "楼道里堆满杂物，存在消防隐患", "垃圾桶满了没人清理，气味很大", "楼上漏水到我家天花板"];

function weighted<T>(random: () => number, table: [T, number][]): T {
  let r = random() * table.reduce((a, [, w]) => a + w, 0);
  for (const [v, w] of table) if ((r -= w) < 0) return v;
  return table[table.length - 1][0];
}

/** Whether case `i` (from 0) is one of the `due` share with a job due: exactly ⌊n × due⌋ of the first n, evenly spread. */
export const isDueCase = (i: number, due: number) => Math.floor((i + 1) * due + 1e-9) > Math.floor(i * due + 1e-9);

export interface Batch {
  Resident: Row[];
  Case: Row[];
  CaseEvent: Row[];
  Outbox: Row[];
  Job: Row[];
}

export interface PlanOptions {
  now: Date;
  /** Fraction of cases with one job due at `now`. */
  due: number;
  /** Ids start after these (rows the seed made). */
  firstCaseId: number;
  firstResidentId: number;
  texts?: string[];
}

/** The rows of cases `from` … `to - 1` (case numbers from 0), one resident for every three cases. */
export function planBatch(ref: Reference, from: number, to: number, o: PlanOptions): Batch {
  const random = seededRandom(from * 7919 + 13);
  const texts = o.texts?.length ? o.texts : FALLBACK_TEXTS;
  const T = o.now.getTime();
  const out: Batch = { Resident: [], Case: [], CaseEvent: [], Outbox: [], Job: [] };
  for (let i = from; i < to; i++) {
    const id = o.firstCaseId + i;
    const residentId = o.firstResidentId + Math.floor(i / 3);
    if (i % 3 === 0) out.Resident.push([residentId, "http", `bench-r${residentId}`, `居民${residentId}`, new Date(T - 400 * DAY), new Date(T - 400 * DAY)]);
    const dueKind = isDueCase(i, o.due) ? weighted(random, DUE_KINDS) : null;
    const status = dueKind ? statusFor(dueKind, random) : weighted(random, STATUS_WEIGHTS);
    const matter = ref.matters[Math.floor(random() * ref.matters.length)];
    const leadUnitId = matter.leadUnitId ?? ref.units[Math.floor(random() * ref.units.length)];
    const c = timesFor(status, dueKind, matter, T, random);
    const chatId = `bench-r${residentId}`;
    out.Case.push([
      id, `2026-B${String(i + 1).padStart(7, "0")}`, texts[i % texts.length], "http", chatId, false, residentId, matter.id, leadUnitId,
      ref.grids[Math.floor(random() * ref.grids.length)], status, "local", 0.5 + random() / 2, c.responseDueAt, c.resolveDueAt, c.dispatchedAt,
      c.respondedAt, c.resolvedAt, c.closedAt, c.closedAt ? (status === "closed" ? weighted(random, [["satisfied", 6], ["basically_satisfied", 2], ["dissatisfied", 1], ["not_evaluated", 1]]) : null) : null,
      c.escalationLevel, c.createdAt, c.updatedAt,
    ]);
    out.CaseEvent.push([id, "created", "bot", null, "needs_review", c.createdAt]);
    if (c.dispatchedAt) out.CaseEvent.push([id, "dispatch", "bot", "accepted", "dispatched", c.dispatchedAt]);
    if (c.closedAt) out.CaseEvent.push([id, "close", "scheduler", "awaiting_feedback", status, c.closedAt]);
    out.Outbox.push(["http", chatId, "您的诉求已受理", id, "reply", `bench-ack:${id}`, "sent", 1, c.createdAt, c.createdAt, c.createdAt, "callback"]);
    jobsFor(out.Job, id, status, c, dueKind, T, random);
  }
  return out;
}

function statusFor(kind: JobKind, random: () => number): CaseStatus {
  if (kind === "survey") return "resolved";
  if (kind === "survey_reminder" || kind === "survey_expire") return "awaiting_feedback";
  return random() < 0.5 ? "in_progress" : "dispatched";
}

interface Times {
  createdAt: Date;
  updatedAt: Date;
  dispatchedAt: Date | null;
  responseDueAt: Date | null;
  resolveDueAt: Date | null;
  respondedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  escalationLevel: number;
}

const WORKING = new Set<string>(["dispatched", "in_progress", "reopened"]);
const FINISHED = new Set<string>(["closed", "merged", "withdrawn", "rejected"]);
const NEVER_DISPATCHED = new Set<string>(["needs_review", "accepted", "rejected"]);

function timesFor(status: CaseStatus, dueKind: JobKind | null, m: Reference["matters"][number], T: number, random: () => number): Times {
  const d = (ms: number) => new Date(ms);
  // Open cases are recent; finished ones spread over the year.
  let created = FINISHED.has(status) ? T - (1 + random() * 364) * DAY : T - (0.5 + random() * 10) * DAY;
  let response = m.responseHours * HOUR;
  let resolve = m.resolveDays * DAY;
  if (dueKind === "chase") {
    // Before both limits, at a reminder point: the limit still ahead.
    created = T - random() * 0.4 * response;
    response = Math.max(response, T - created + HOUR);
  } else if (dueKind === "escalate") created = T - resolve - random() * DAY; // both limits passed
  else if (dueKind === "still_handling") created = T - (3 + random() * 2) * DAY;
  else if (status === "resolved" || status === "awaiting_feedback") created = T - (3 + random() * 10) * DAY;
  const dispatched = NEVER_DISPATCHED.has(status) ? null : created + random() * HOUR;
  const base = dispatched ?? created;
  const responded = dispatched && (status !== "dispatched" || random() < 0.3) && dueKind !== "chase" && dueKind !== "escalate" ? base + random() * response : null;
  // Resolved: 回访 an hour later (due now, or still ahead); awaiting feedback: asked within its three days; closed: in the past.
  const resolvedAt =
    status === "resolved" ? (dueKind === "survey" ? T - (1 + random()) * HOUR : T - random() * 0.9 * HOUR)
    : status === "awaiting_feedback" ? T - HOUR - random() * 2.5 * DAY
    : status === "closed" ? Math.min(T - 2 * HOUR, base + random() * resolve)
    : null;
  const closedAt = FINISHED.has(status) ? Math.min(T - 60_000, (resolvedAt ?? base) + random() * 3 * DAY) : null;
  const overdue = dispatched !== null && WORKING.has(status) && T > base + resolve && dueKind !== "escalate";
  return {
    createdAt: d(created),
    updatedAt: d(closedAt ?? resolvedAt ?? responded ?? base),
    dispatchedAt: dispatched === null ? null : d(dispatched),
    responseDueAt: d(base + response),
    resolveDueAt: d(base + resolve),
    respondedAt: responded === null ? null : d(responded),
    resolvedAt: resolvedAt === null ? null : d(resolvedAt),
    closedAt: closedAt === null ? null : d(closedAt),
    escalationLevel: overdue ? 1 : 0,
  };
}

/** The jobs the service would have scheduled for the case: finished before `now`, pending after; one due when asked. */
function jobsFor(jobs: Row[], caseId: number, status: CaseStatus, c: Times, dueKind: JobKind | null, T: number, random: () => number) {
  const ended = c.closedAt?.getTime() ?? null;
  /** A job as the service leaves it: due now (pending), finished before now (done, or skipped when it no longer applied), or ahead. */
  const add = (kind: JobKind, key: string, dueAt: number, payload: object, createdAt: number, o: { due?: boolean; skipped?: boolean } = {}) => {
    const finished = !o.due && (dueAt <= T || (ended !== null && (kind === "still_handling" || kind.startsWith("survey"))));
    const status = !finished ? "pending" : o.skipped ? "skipped" : "done";
    const at = Math.min(dueAt, ended ?? dueAt, T);
    jobs.push([kind, caseId, new Date(dueAt), payload, `${kind}:${key}`, status, finished ? 1 : 0, finished ? `bench: ${status}` : null, new Date(createdAt), finished ? new Date(at) : null]);
  };
  const dueAt = () => T - random() * 10 * 60_000; // due within the last ten minutes (the cron's minute, a short outage)
  if (c.dispatchedAt) {
    const from = c.dispatchedAt.getTime();
    const round = dispatchRound({ reworkCount: 0, dispatchedAt: c.dispatchedAt });
    for (const [phase, limit] of [["response", c.responseDueAt!.getTime()], ["resolve", c.resolveDueAt!.getTime()]] as const) {
      const answered = phase === "response" && c.respondedAt !== null;
      for (const point of CHASE_POINTS) {
        const at = from + (limit - from) * point;
        const due = dueKind === "chase" && phase === "response" && point === 0.5;
        add("chase", `${caseId}:${round}:${phase}:${point}`, due ? dueAt() : at, { phase, point, round }, from, { due, skipped: answered });
      }
      const due = dueKind === "escalate" && phase === "resolve";
      add("escalate", `${caseId}:${round}:${phase}:1`, due ? dueAt() : limit, { phase, level: 1, round }, from, { due, skipped: answered });
    }
    const quiet = 3 * DAY;
    let next = from + quiet;
    while (next <= T && dueKind !== "still_handling" && !ended) next += quiet; // earlier notices sent, the next one ahead
    const due = dueKind === "still_handling";
    add("still_handling", `${caseId}:${round}:${next}`, due ? dueAt() : next, { round: 0 }, from, { due });
  }
  if (c.resolvedAt) {
    const resolved = c.resolvedAt.getTime();
    const key = `${caseId}:0`;
    add("survey", key, dueKind === "survey" ? dueAt() : resolved + HOUR, {}, resolved, { due: dueKind === "survey" });
    if (status !== "resolved") {
      const asked = resolved + HOUR;
      add("survey_reminder", key, dueKind === "survey_reminder" ? dueAt() : asked + 24 * HOUR, {}, asked, { due: dueKind === "survey_reminder" });
      add("survey_expire", key, dueKind === "survey_expire" ? dueAt() : asked + 3 * DAY, {}, asked, { due: dueKind === "survey_expire" });
    }
  }
  // The rarer kinds, pending in the future on some open cases: an offer to volunteers, a photo to fetch again, bookings.
  if (!ended && !dueKind && random() < 0.05) {
    const kind = (["volunteer_unclaimed", "media_fetch", "booking_reminder", "booking_rating"] as const)[Math.floor(random() * 4)];
    add(kind, `${caseId}`, T + (1 + random() * 48) * HOUR, kind.startsWith("booking") ? { requestId: caseId } : kind === "media_fetch" ? { attachmentId: caseId } : {}, T - HOUR);
  }
}
