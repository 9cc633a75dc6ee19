// Case actions as one table: for each action, what it writes on the case and what follows from it (jobs, notices),
// side by side. Who may take it from which status, and whether it needs a reason, is the lifecycle table in
// domain/caseMachine.ts (RULES); CaseService checks that, then runs the action's two steps in one transaction.
import type { Prisma } from "../db.ts";
import { RULES, TransitionError, type Actor, type CaseAction } from "../domain/caseMachine.ts";
import type { CaseStatus } from "../domain/case.ts";
import { dueTimes, type WorkCalendar } from "../domain/deadlines.ts";
import type { Settings } from "../settings.ts";
import { DEFAULT_LIMITS } from "../responsibility/apply.ts";
import { dispatchRound, scheduleJob, type JobKind } from "../followup/schedule.ts";
import { carryReporters, handOver, splitOff } from "./join.ts";
import { MATTER_UNITS, matterInfo } from "../classify/catalogue.ts";
import { involvesRoles, leadUnresolved, resolutionNote, resolveUnits, type ResolvedUnit, type UnitResolution } from "../org/roles.ts";
import { recordEvent } from "./records.ts";

type Tx = Prisma.TransactionClient;
export type { CaseWithMatter } from "./load.ts";
import type { CaseWithMatter } from "./load.ts";

export interface ActionInput {
  action: CaseAction;
  actor: Actor;
  actorId?: string;
  /** The reason (退单, 重办, 不予受理) or the result (办结). */
  reason?: string;
  /** For evaluate_ok: satisfied | basically_satisfied. */
  satisfaction?: "satisfied" | "basically_satisfied";
  /** For merge: the number of the case this one duplicates. */
  mergeInto?: string;
  /** For confirm: the right matter, when the bot's was wrong (a correction). */
  matterCode?: string;
  /** For confirm: a lead unit other than the matter's; for reassign: the new lead unit. */
  leadUnitId?: number;
  /** For split: the joined reporter (CaseReporter id) whose report becomes a case of its own. */
  reporterId?: number;
  /** For volunteer_claim: who claimed it (the task is theirs already: volunteers/tasks.ts). */
  volunteerId?: number;
  now: Date;
}

/**
 * When a new dispatch round starts: now, or a millisecond after the last dispatch when this one comes within the
 * same millisecond (a 改派 right after the dispatch, in one request or on a frozen clock). Rounds are keyed by this
 * time (dispatchRound), so the new unit's reminders never reuse the keys of the jobs just cancelled.
 */
export function newRoundAt(kase: { dispatchedAt: Date | null }, now: Date): Date {
  const last = kase.dispatchedAt?.getTime() ?? -Infinity;
  return now.getTime() > last ? now : new Date(last + 1);
}

/** What an action's write step sees, and fills: the case's new fields and what its event records. */
export interface WriteContext {
  tx: Tx;
  kase: CaseWithMatter;
  input: ActionInput;
  from: CaseStatus;
  calendar: WorkCalendar;
  data: Prisma.CaseUpdateInput;
  /** Recorded in the event's data (what was corrected, reassigned or merged into). */
  record: Record<string, unknown>;
  unit(id: number): Promise<{ id: number; name: string }>;
}

/** What an action's follow-up sees once the case is written: the case as it is now, and the service's tools. */
export interface FollowContext {
  tx: Tx;
  kase: CaseWithMatter;
  input: ActionInput;
  from: CaseStatus;
  settings: Settings;
  record: Record<string, unknown>;
  /** Tells the resident, with the case's texts (a reply template and extra placeholders). */
  tell(template: string, extra?: Record<string, string>): Promise<void>;
  /** Tells the resident the case had before this action (one who withdrew while others go on), and nobody else. */
  tellFormer(template: string): Promise<void>;
  /** Tells the lead unit (a template), with a dedupe key. */
  toUnit(template: string, kind: string, dedupeKey: string, extra?: Record<string, string>): Promise<void>;
  /** Tells the case's grid (a template). */
  toGrid(template: string, kind: string, dedupeKey: string, extra?: Record<string, string>): Promise<void>;
  /** Tells the active volunteers of the case's grid in their chats (masked), but `exceptId`; how many were told. */
  toVolunteers(template: string, kind: string, dedupeKey: string, extra?: Record<string, string>, exceptId?: number): Promise<number>;
  /** 催办 and 督办 for the new round of limits, and the still-handling notice. */
  scheduleDeadlines(): Promise<void>;
  forwardPhotos(): Promise<void>;
  cancel(kinds: JobKind[], why: string): Promise<void>;
  /** Another action that follows by itself (a confirmation that dispatches), on this case or another one. */
  act(action: CaseAction, caseId?: number): Promise<void>;
  /** Tells the residents of another case (a report split off into its own), with that case's texts. */
  tellOn(caseId: number, template: string, extra?: Record<string, string>): Promise<void>;
}

interface Step {
  write?(c: WriteContext): void | Promise<void>;
  then?(c: FollowContext): void | Promise<void>;
}

const DEADLINE_JOBS: JobKind[] = ["chase", "escalate"];
const SURVEY_JOBS: JobKind[] = ["survey", "survey_reminder", "survey_expire"];

export const STEPS: Record<CaseAction, Step> = {
  confirm: {
    async write(c) {
      const { tx, kase, input, data, record, calendar, unit } = c;
      let units: UnitResolution | null = null;
      if (input.matterCode && input.matterCode !== kase.matter?.code) {
        const matter = await tx.matter.findFirst({ where: { code: input.matterCode, active: true }, include: MATTER_UNITS });
        if (!matter) throw new TransitionError(`职责清单中没有事项 ${input.matterCode}`, "illegal_transition");
        // The limits run from intake, on the right matter's terms.
        const due = dueTimes(calendar, kase.createdAt, matter, kase.urgency as "normal");
        Object.assign(data, { matter: { connect: { id: matter.id } }, responseDueAt: due.responseDueAt, resolveDueAt: due.resolveDueAt });
        units = await resolveUnits(tx, matterInfo(matter), kase);
        record.corrected = { from: kase.matter?.code ?? null, to: matter.code };
      } else if (!kase.matter) {
        throw new TransitionError("确认前需要先选定事项", "illegal_transition");
      } else if ((!kase.leadUnitId || (kase.unitResolution as UnitResolution | null)?.unresolved.length) && !input.leadUnitId) {
        // Held because a role had nobody to fill it: the place may be known now, or someone named a filler since.
        const matter = await tx.matter.findUniqueOrThrow({ where: { id: kase.matter.id }, include: MATTER_UNITS });
        units = await resolveUnits(tx, matterInfo(matter), kase);
      }
      if (input.leadUnitId) {
        const chosen: ResolvedUnit = { unit: await unit(input.leadUnitId), source: "worker" };
        const base = units ?? (kase.unitResolution as UnitResolution | null) ?? { lead: null, cooperating: [], unresolved: [] };
        units = { ...base, lead: chosen, unresolved: base.unresolved.filter((u) => u.slot !== "lead") };
      } else if (units && leadUnresolved(units)) {
        throw new TransitionError(`无法确定主责单位：${units.unresolved.find((u) => u.slot === "lead")!.reason}。请指定主责单位，或先为该区域指定承办单位`, "illegal_transition");
      }
      if (units) await writeUnits(c, units);
      // Another unit now leads a case that came back (退单): it sees the case once it is dispatched to it.
      if (record.corrected || (input.leadUnitId && input.leadUnitId !== kase.leadUnitId)) data.dispatchedAt = null;
    },
    async then({ tell, settings, act }) {
      await tell("progress_accepted");
      if (settings.autoDispatch) await act("dispatch");
    },
  },
  dispatch: {
    write({ kase, input, data }) {
      if (!kase.leadUnitId) throw new TransitionError("派单前需要先确定主责单位", "illegal_transition");
      data.dispatchedAt = newRoundAt(kase, input.now);
    },
    async then({ kase, input, from, scheduleDeadlines, toUnit, forwardPhotos, tell }) {
      await scheduleDeadlines();
      await toUnit("unit_dispatch", "unit_dispatch", `dispatch:${kase.id}:${kase.reworkCount}:${input.now.getTime()}`);
      await forwardPhotos();
      // At intake the first reply already said who handles it; later dispatches are news for the resident.
      if (input.actor !== "bot" || from !== "accepted") await tell("progress_dispatched");
    },
  },
  reassign: {
    async write({ kase, input, data, record, calendar, unit }) {
      const to = input.leadUnitId ? await unit(input.leadUnitId) : null;
      if (!to || to.id === kase.leadUnitId) throw new TransitionError("请选择另一个主责单位", "illegal_transition");
      // The worker's choice, in place of however the lead unit was found before; the cooperating units stay.
      const before = (kase.unitResolution as UnitResolution | null) ?? { lead: null, cooperating: [], unresolved: [] };
      data.unitResolution = { ...before, lead: { unit: { id: to.id, name: to.name }, source: "worker" }, unresolved: before.unresolved.filter((u) => u.slot !== "lead") } satisfies UnitResolution as unknown as Prisma.InputJsonValue;
      // The new unit gets the matter's full limits from now, and must respond itself.
      const due = dueTimes(calendar, input.now, kase.matter ?? DEFAULT_LIMITS, kase.urgency as "normal");
      Object.assign(data, { leadUnit: { connect: { id: to.id } }, dispatchedAt: newRoundAt(kase, input.now), respondedAt: null, escalationLevel: 0, responseDueAt: due.responseDueAt, resolveDueAt: due.resolveDueAt });
      record.reassigned = { from: kase.leadUnit?.name ?? null, to: to.name };
    },
    async then({ kase, cancel, scheduleDeadlines, toUnit, forwardPhotos, tell }) {
      await cancel(DEADLINE_JOBS, "已改派");
      await scheduleDeadlines();
      await toUnit("unit_dispatch", "unit_dispatch", `dispatch:${kase.id}:${dispatchRound(kase)}`);
      await forwardPhotos();
      await tell("progress_dispatched");
    },
  },
  // 同诉 split: the report leaves the count; its resident gets a case of their own, which goes the usual way.
  split: {
    async write({ tx, kase, input, data, record, calendar }) {
      const { reporterId, created } = await splitOff(tx, kase, { reporterId: input.reporterId, calendar, now: input.now });
      data.reporterCount = { decrement: 1 };
      Object.assign(record, { reporterId, splitCase: created.number });
    },
    async then({ tx, kase, record, settings, act, tellOn }) {
      const created = await tx.case.findUniqueOrThrow({ where: { number: String(record.splitCase) } });
      await tellOn(created.id, "same_problem_split", { original_number: kase.number });
      if (settings.autoDispatch && created.status === "accepted" && created.leadUnitId) await act("dispatch", created.id);
    },
  },
  // Response-phase chases and escalations see respondedAt and stand down by themselves.
  accept: { write: responded },
  start: { write: responded },
  resolve: {
    write({ kase, input, data }) {
      data.resolvedAt = input.now;
      data.resolution = input.reason!.trim();
      if (!kase.respondedAt) data.respondedAt = input.now;
    },
    async then({ tx, kase, input, settings, cancel, tell }) {
      await cancel([...DEADLINE_JOBS, "still_handling"], "已办结");
      await tell("progress_resolved", { result: kase.resolution ?? "" });
      await scheduleJob(tx, { kind: "survey", key: `${kase.id}:${kase.reworkCount}`, caseId: kase.id, dueAt: new Date(input.now.getTime() + settings.surveyDelayHours * 3600_000), now: input.now });
    },
  },
  return: {
    async then({ kase, input, cancel, toGrid }) {
      await cancel(DEADLINE_JOBS, "已退单");
      await toGrid("unit_returned", "returned", `returned:${kase.id}:${input.now.getTime()}`, { unit: kase.leadUnit?.name ?? "承办单位", reason: input.reason!.trim() });
    },
  },
  request_feedback: {},
  evaluate_ok: {
    write({ input, data }) {
      data.satisfaction = input.satisfaction ?? "satisfied";
      data.evaluatedAt = input.now;
      data.closedAt = input.now;
    },
    then: closeFollowUp("evaluate_ok"),
  },
  expire_feedback: {
    write({ input, data }) {
      data.satisfaction = "not_evaluated";
      data.closedAt = input.now;
    },
    then: closeFollowUp("expire_feedback"),
  },
  close: { write: closes, then: closeFollowUp("close") },
  reopen: {
    write({ kase, input, from, data, calendar }) {
      // Rework runs on fresh limits from now, and the unit must respond again.
      const now = input.now;
      const due = dueTimes(calendar, now, kase.matter ?? DEFAULT_LIMITS, kase.urgency as "normal");
      Object.assign(data, {
        reworkCount: { increment: 1 },
        responseDueAt: due.responseDueAt,
        resolveDueAt: due.resolveDueAt,
        dispatchedAt: now,
        respondedAt: null,
        resolvedAt: null,
        closedAt: null,
        escalationLevel: 0,
        ...(from === "awaiting_feedback" ? { satisfaction: "dissatisfied", evaluatedAt: now } : {}),
      });
    },
    async then({ tx, kase, input, cancel, scheduleDeadlines, toUnit, forwardPhotos, tell }) {
      await cancel(SURVEY_JOBS, "已重办");
      await tx.pendingQuestion.updateMany({ where: { caseId: kase.id, kind: "survey", answeredAt: null }, data: { answeredAt: input.now } });
      await scheduleDeadlines();
      if (kase.leadUnitId) {
        await toUnit("unit_rework", "unit_rework", `rework:${kase.id}:${kase.reworkCount}`, { reason: input.reason!.trim() });
        await forwardPhotos();
      }
      // A resident who reopened it in the chat gets the answer there; otherwise tell them.
      if (input.actor !== "resident") await tell("progress_reopened");
    },
  },
  merge: {
    async write({ tx, kase, input, data, record }) {
      const target = input.mergeInto ? await tx.case.findUnique({ where: { number: input.mergeInto } }) : null;
      if (!target || target.id === kase.id) throw new TransitionError("请指定要合并到的另一个工单", "illegal_transition");
      data.mergedIntoId = target.id;
      data.closedAt = input.now;
      record.mergedInto = target.number;
    },
    async then({ tx, kase, input, record, cancel, tell }) {
      await cancel([...DEADLINE_JOBS, "still_handling"], "已合并");
      await tell("progress_merged", { target_number: String(record.mergedInto) });
      // Told here first; from now on they are the target's reporters and hear its progress and survey.
      await carryReporters(tx, kase, kase.mergedIntoId!, input.now);
    },
  },
  // 撤回 with others joined (同诉): their problem remains — the earliest joined takes over, open; only the withdrawer is told.
  withdraw: {
    async write(c) {
      const over = await handOver(c.tx, c.kase, c.input.now);
      if (!over) return closes(c);
      Object.assign(c.data, over.data, { status: c.from });
      c.record.handedOverTo = over.reporterId;
    },
    async then({ input, record, cancel, tell, tellFormer }) {
      if (record.handedOverTo) return tellFormer("progress_withdrawn_joined");
      await cancel([...DEADLINE_JOBS, "still_handling", ...SURVEY_JOBS], "已撤回");
      if (input.actor !== "resident") await tell("progress_withdrawn");
    },
  },
  reject: {
    write: closes,
    async then({ input, tell }) {
      await tell("progress_rejected", { reason: input.reason!.trim() });
    },
  },
  transcribe: {
    write({ input, data }) {
      // What the resident said, as the worker heard it: the text units and the classifier work from.
      data.text = input.reason!.trim();
    },
  },
  // 志愿者可认领: the offer, the claim and the unclaimed offer. The VolunteerTask row is volunteers/tasks.ts's;
  // here is what the case records and what follows.
  offer_volunteers: {
    async then({ tx, kase, input, settings, tell, toVolunteers }) {
      const task = await tx.volunteerTask.findUniqueOrThrow({ where: { caseId: kase.id } });
      await toVolunteers("volunteer_offer", "volunteer_offer", `offer:${kase.id}`, { minutes: String(settings.volunteerClaimMinutes) });
      await tell("volunteer_offered", { minutes: String(settings.volunteerClaimMinutes) });
      await scheduleJob(tx, { kind: "volunteer_unclaimed", key: String(kase.id), caseId: kase.id, dueAt: task.expiresAt, now: input.now });
    },
  },
  volunteer_claim: {
    async write({ tx, input, record }) {
      const v = input.volunteerId ? await tx.volunteer.findUnique({ where: { id: input.volunteerId } }) : null;
      if (!v) throw new TransitionError("志愿者不存在", "illegal_transition");
      record.volunteer = { id: v.id, name: v.name };
    },
    async then({ tx, kase, input, cancel, tell, toVolunteers }) {
      const v = await tx.volunteer.findUniqueOrThrow({ where: { id: input.volunteerId! } });
      await cancel(["volunteer_unclaimed"], "已有志愿者认领");
      // The resident hears who will come; the phone number only with the volunteer's consent.
      await tell("volunteer_claimed", { volunteer: v.name, phone: v.sharePhone && v.phone ? `，联系电话 ${v.phone}` : "" });
      await toVolunteers("volunteer_taken", "volunteer_taken", `taken:${kase.id}`, {}, v.id);
    },
  },
  volunteer_unclaimed: {
    async then({ kase, input, settings, tell, toGrid, act }) {
      const toUnit = settings.autoDispatch && Boolean(kase.leadUnitId);
      await tell("volunteer_unclaimed", { handler: toUnit ? kase.leadUnit!.name : "社区工作人员" });
      if (toUnit) await act("dispatch");
      else await toGrid("volunteer_unclaimed_grid", "volunteer_unclaimed", `unclaimed:${kase.id}:${input.now.getTime()}`);
    },
  },
};

/**
 * A confirmation's units (a corrected matter's, found again, or the worker's lead unit): the lead, the cooperating
 * units, the resolution kept on the case, and its line on the timeline when a role was involved.
 */
async function writeUnits({ tx, kase, input, data }: WriteContext, units: UnitResolution) {
  data.leadUnit = units.lead ? { connect: { id: units.lead.unit.id } } : { disconnect: true };
  data.unitResolution = units as unknown as Prisma.InputJsonValue;
  await tx.caseCooperatingUnit.deleteMany({ where: { caseId: kase.id } });
  for (const c of units.cooperating) await tx.caseCooperatingUnit.create({ data: { caseId: kase.id, unitId: c.unit.id } });
  if (involvesRoles(units) || units.lead?.source === "worker") {
    await recordEvent(tx, kase.id, { type: "units_resolved", actor: input.actor, actorId: input.actorId, note: resolutionNote(units), data: { unresolved: units.unresolved.length }, now: input.now });
  }
}

function responded({ kase, input, data }: WriteContext) {
  if (!kase.respondedAt) data.respondedAt = input.now;
}

function closes({ input, data }: WriteContext) {
  data.closedAt = input.now;
}

/** A finished case needs no survey, reminder or progress notice any more. */
function closeFollowUp(action: CaseAction) {
  return ({ cancel }: FollowContext) => cancel([...SURVEY_JOBS, "still_handling"], RULES[action].label);
}
