// Acting on a case: every transition is checked against the lifecycle table, recorded in the case's event log
// with who, when and why, and followed by what it implies: jobs scheduled or cancelled, residents and units told.
import type { Db, Prisma } from "../db.ts";
import type { Logger } from "../log.ts";
import { nextStatus, RULES, TransitionError, type Actor, type CaseAction } from "../domain/caseMachine.ts";
import type { CaseStatus } from "../domain/case.ts";
import { addWorkingDays, dueTimes, type WorkCalendar } from "../domain/deadlines.ts";
import { formatChinaDateTime } from "../domain/time.ts";
import type { SettingsStore, Settings } from "../settings.ts";
import type { Replies } from "../texts/replies.ts";
import { DEFAULT_RESOLVE_DAYS, DEFAULT_RESPONSE_HOURS } from "../responsibility/apply.ts";
import { notifyArea, notifyResident, notifyUnit } from "../followup/notify.ts";
import { cancelJobs, scheduleJob } from "../followup/schedule.ts";
import { dispatchRound } from "../followup/context.ts";

type Tx = Prisma.TransactionClient;

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
  now: Date;
}

export interface CaseServiceDeps {
  db: Db;
  log: Logger;
  settings: SettingsStore;
  calendar: WorkCalendar;
  replies: Replies;
  /** Confirmed and corrected classifications are examples the local classifier learns from. */
  learn?: (e: { text: string; matterCode: string; source: "confirmed" | "corrected"; caseId: number }) => Promise<void>;
  /** Sends the case's stored photos to its lead unit (after a dispatch, a 改派, a rework). */
  forwardPhotos?: (tx: Tx, caseId: number, now: Date) => Promise<void>;
}

type CaseWithMatter = Prisma.CaseGetPayload<{ include: { matter: true; leadUnit: true } }>;

export const DEFAULT_LIMITS = { responseHours: DEFAULT_RESPONSE_HOURS, resolveDays: DEFAULT_RESOLVE_DAYS };

type Example = { text: string; matterCode: string; source: "confirmed" | "corrected"; caseId: number };

export class CaseService {
  constructor(private readonly deps: CaseServiceDeps) {}

  /**
   * Applies one action in its own transaction (or the caller's). Throws TransitionError when it may not happen.
   * A confirmation in its own transaction is learned from once committed, so a refused step teaches nothing.
   */
  async act(caseId: number, input: ActionInput, outer?: Tx): Promise<CaseWithMatter> {
    const settings = await this.deps.settings.current();
    if (outer) return (await this.apply(outer, caseId, input, settings)).updated;
    const { updated, example } = await this.deps.db.$transaction((tx) => this.apply(tx, caseId, input, settings));
    if (example) await this.deps.learn?.(example);
    return updated;
  }

  /** A note on the case; a public one is also sent to the resident. */
  async addNote(caseId: number, n: { actor: Actor; actorId?: string; text: string; isPublic: boolean; now: Date }, outer?: Tx) {
    const settings = await this.deps.settings.current();
    const run = async (tx: Tx) => {
      const kase = await tx.case.findUniqueOrThrow({ where: { id: caseId } });
      const event = await tx.caseEvent.create({
        data: { caseId, type: n.isPublic ? "public_note" : "internal_note", actor: n.actor, actorId: n.actorId, note: n.text, createdAt: n.now },
      });
      if (n.isPublic) {
        await notifyResident(tx, {
          caseId,
          text: this.deps.replies.render("progress_note", { case_number: kase.number, note: n.text }),
          kind: "progress",
          now: n.now,
          settings,
          dedupeKey: `note:${event.id}`,
        });
      }
      return event;
    };
    return outer ? run(outer) : this.deps.db.$transaction(run);
  }

  private async apply(tx: Tx, caseId: number, input: ActionInput, settings: Settings): Promise<{ updated: CaseWithMatter; example: Example | null }> {
    const { now, action, actor } = input;
    const kase = await tx.case.findUniqueOrThrow({ where: { id: caseId }, include: { matter: true, leadUnit: true } });
    const from = kase.status as CaseStatus;
    const to = nextStatus(from, action, actor, input.reason);
    const data: Prisma.CaseUpdateInput = { status: to };
    let mergeTarget: { id: number; number: string } | null = null;

    let corrected: { from: string | null; to: string } | null = null;
    let reassigned: { from: string | null; to: string } | null = null;
    switch (action) {
      case "confirm": {
        if (input.matterCode && input.matterCode !== kase.matter?.code) {
          const matter = await tx.matter.findFirst({ where: { code: input.matterCode, active: true }, include: { cooperatingUnits: true } });
          if (!matter) throw new TransitionError(`职责清单中没有事项 ${input.matterCode}`, "illegal_transition");
          // The limits run from intake, on the right matter's terms.
          const due = dueTimes(this.deps.calendar, kase.createdAt, matter, kase.urgency as "normal");
          Object.assign(data, { matter: { connect: { id: matter.id } }, leadUnit: matter.leadUnitId ? { connect: { id: matter.leadUnitId } } : { disconnect: true }, responseDueAt: due.responseDueAt, resolveDueAt: due.resolveDueAt });
          await tx.caseCooperatingUnit.deleteMany({ where: { caseId } });
          for (const c of matter.cooperatingUnits) await tx.caseCooperatingUnit.create({ data: { caseId, unitId: c.unitId } });
          corrected = { from: kase.matter?.code ?? null, to: matter.code };
        } else if (!kase.matter) {
          throw new TransitionError("确认前需要先选定事项", "illegal_transition");
        }
        if (input.leadUnitId) data.leadUnit = { connect: { id: (await this.unit(tx, input.leadUnitId)).id } };
        // Another unit now leads a case that came back (退单): it sees the case once it is dispatched to it.
        if (corrected || (input.leadUnitId && input.leadUnitId !== kase.leadUnitId)) data.dispatchedAt = null;
        break;
      }
      case "reassign": {
        const unit = input.leadUnitId ? await this.unit(tx, input.leadUnitId) : null;
        if (!unit || unit.id === kase.leadUnitId) throw new TransitionError("请选择另一个主责单位", "illegal_transition");
        // The new unit gets the matter's full limits from now, and must respond itself.
        const due = dueTimes(this.deps.calendar, now, kase.matter ?? DEFAULT_LIMITS, kase.urgency as "normal");
        Object.assign(data, { leadUnit: { connect: { id: unit.id } }, dispatchedAt: now, respondedAt: null, escalationLevel: 0, responseDueAt: due.responseDueAt, resolveDueAt: due.resolveDueAt });
        reassigned = { from: kase.leadUnit?.name ?? null, to: unit.name };
        break;
      }
      case "dispatch":
        if (!kase.leadUnitId) throw new TransitionError("派单前需要先确定主责单位", "illegal_transition");
        data.dispatchedAt = now;
        break;
      case "accept":
      case "start":
        if (!kase.respondedAt) data.respondedAt = now;
        break;
      case "resolve":
        data.resolvedAt = now;
        data.resolution = input.reason!.trim();
        if (!kase.respondedAt) data.respondedAt = now;
        break;
      case "evaluate_ok":
        data.satisfaction = input.satisfaction ?? "satisfied";
        data.evaluatedAt = now;
        data.closedAt = now;
        break;
      case "expire_feedback":
        data.satisfaction = "not_evaluated";
        data.closedAt = now;
        break;
      case "close":
        data.closedAt = now;
        break;
      case "reopen": {
        // Rework runs on fresh limits from now, and the unit must respond again.
        const due = dueTimes(this.deps.calendar, now, kase.matter ?? DEFAULT_LIMITS, kase.urgency as "normal");
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
        break;
      }
      case "merge": {
        const target = input.mergeInto ? await tx.case.findUnique({ where: { number: input.mergeInto } }) : null;
        if (!target || target.id === kase.id) throw new TransitionError("请指定要合并到的另一个工单", "illegal_transition");
        data.mergedIntoId = target.id;
        data.closedAt = now;
        mergeTarget = target;
        break;
      }
      case "withdraw":
      case "reject":
        data.closedAt = now;
        break;
      case "transcribe":
        // What the resident said, as the worker heard it: the text units and the classifier work from.
        data.text = input.reason!.trim();
        break;
    }

    const updated = await tx.case.update({ where: { id: caseId }, data, include: { matter: true, leadUnit: true } });
    await tx.caseEvent.create({
      data: {
        caseId,
        type: action,
        actor,
        actorId: input.actorId,
        fromStatus: from,
        toStatus: to,
        note: input.reason?.trim() || null,
        data: {
          ...(input.satisfaction ? { satisfaction: input.satisfaction } : {}),
          ...(mergeTarget ? { mergedInto: mergeTarget.number } : {}),
          ...(corrected ? { corrected } : {}),
          ...(reassigned ? { reassigned } : {}),
        },
        createdAt: now,
      },
    });
    await this.followUp(tx, updated, input, from, settings, mergeTarget);
    const example =
      action === "confirm" && updated.matter
        ? { text: updated.text, matterCode: updated.matter.code, source: corrected ? ("corrected" as const) : ("confirmed" as const), caseId }
        : null;
    return { updated, example };
  }

  /** What an action implies beyond the case row. */
  private async followUp(tx: Tx, kase: CaseWithMatter, input: ActionInput, from: CaseStatus, settings: Settings, mergeTarget: { number: string } | null) {
    const { now, action } = input;
    const r = this.deps.replies;
    const vars = this.vars(kase);
    const tell = (template: string, extra: Record<string, string> = {}, kind = "progress") =>
      notifyResident(tx, { caseId: kase.id, text: r.render(template, { ...vars, ...extra }), kind, now, settings, dedupeKey: `${action}:${kase.id}:${kase.reworkCount}:${now.getTime()}` });

    switch (action) {
      case "confirm":
        await tell("progress_accepted");
        if (settings.autoDispatch) await this.act(kase.id, { action: "dispatch", actor: "bot", now }, tx);
        break;
      case "dispatch":
        await this.scheduleDeadlines(tx, kase, settings, now);
        await notifyUnit(tx, kase.leadUnitId!, { caseId: kase.id, text: r.render("unit_dispatch", vars), kind: "unit_dispatch", now, dedupeKey: `dispatch:${kase.id}:${kase.reworkCount}:${now.getTime()}` });
        await this.deps.forwardPhotos?.(tx, kase.id, now);
        // At intake the first reply already said who handles it; later dispatches are news for the resident.
        if (input.actor !== "bot" || from !== "accepted") await tell("progress_dispatched");
        break;
      case "reassign":
        await cancelJobs(tx, kase.id, ["chase", "escalate"], "已改派", now);
        await this.scheduleDeadlines(tx, kase, settings, now);
        await notifyUnit(tx, kase.leadUnitId!, { caseId: kase.id, text: r.render("unit_dispatch", vars), kind: "unit_dispatch", now, dedupeKey: `dispatch:${kase.id}:${dispatchRound(kase)}` });
        await this.deps.forwardPhotos?.(tx, kase.id, now);
        await tell("progress_dispatched");
        break;
      case "accept":
      case "start":
        // Response-phase chases and escalations see respondedAt and stand down by themselves.
        break;
      case "resolve":
        await cancelJobs(tx, kase.id, ["chase", "escalate", "still_handling"], "已办结", now);
        await tell("progress_resolved", { result: kase.resolution ?? "" });
        await scheduleJob(tx, {
          kind: "survey",
          key: `${kase.id}:${kase.reworkCount}`,
          caseId: kase.id,
          dueAt: new Date(now.getTime() + settings.surveyDelayHours * 3600_000),
          now,
        });
        break;
      case "return":
        await cancelJobs(tx, kase.id, ["chase", "escalate"], "已退单", now);
        if (kase.gridId) {
          await notifyArea(tx, kase.gridId, {
            caseId: kase.id,
            text: r.render("unit_returned", { ...vars, unit: kase.leadUnit?.name ?? "承办单位", reason: input.reason!.trim() }),
            kind: "returned",
            now,
            dedupeKey: `returned:${kase.id}:${now.getTime()}`,
          });
        }
        break;
      case "reopen":
        await cancelJobs(tx, kase.id, ["survey", "survey_reminder", "survey_expire"], "已重办", now);
        await tx.pendingQuestion.updateMany({ where: { caseId: kase.id, kind: "survey", answeredAt: null }, data: { answeredAt: now } });
        await this.scheduleDeadlines(tx, kase, settings, now);
        if (kase.leadUnitId) {
          await notifyUnit(tx, kase.leadUnitId, { caseId: kase.id, text: r.render("unit_rework", { ...vars, reason: input.reason!.trim() }), kind: "unit_rework", now, dedupeKey: `rework:${kase.id}:${kase.reworkCount}` });
          await this.deps.forwardPhotos?.(tx, kase.id, now);
        }
        // A resident who reopened it in the chat gets the answer there; otherwise tell them.
        if (input.actor !== "resident") await tell("progress_reopened");
        break;
      case "merge":
        await cancelJobs(tx, kase.id, ["chase", "escalate", "still_handling"], "已合并", now);
        await tell("progress_merged", { target_number: mergeTarget!.number });
        break;
      case "reject":
        await tell("progress_rejected", { reason: input.reason!.trim() });
        break;
      case "withdraw":
        await cancelJobs(tx, kase.id, ["chase", "escalate", "still_handling", "survey", "survey_reminder", "survey_expire"], "已撤回", now);
        if (input.actor !== "resident") await tell("progress_withdrawn");
        break;
      case "evaluate_ok":
      case "expire_feedback":
      case "close":
        await cancelJobs(tx, kase.id, ["survey", "survey_reminder", "survey_expire", "still_handling"], RULES[action].label, now);
        break;
      case "request_feedback":
      case "transcribe":
        break;
    }
  }

  /** 催办 points before each limit, 督办 at each limit, and news for the resident if nothing is said for a while. */
  private async scheduleDeadlines(tx: Tx, kase: CaseWithMatter, settings: Settings, now: Date) {
    const round = dispatchRound(kase);
    const phases = [
      { phase: "response", due: kase.responseDueAt! },
      { phase: "resolve", due: kase.resolveDueAt! },
    ];
    for (const { phase, due } of phases) {
      const span = due.getTime() - now.getTime();
      if (span <= 0) continue;
      for (const point of settings.chasePoints) {
        let at = new Date(now.getTime() + span * point);
        // Working-day limits are chased on working days.
        if (phase === "resolve") at = this.workingMoment(at);
        if (at.getTime() >= due.getTime()) continue;
        await scheduleJob(tx, { kind: "chase", key: `${kase.id}:${round}:${phase}:${point}`, caseId: kase.id, dueAt: at, payload: { phase, point, round }, now });
      }
      await scheduleJob(tx, { kind: "escalate", key: `${kase.id}:${round}:${phase}:1`, caseId: kase.id, dueAt: due, payload: { phase, level: 1, round }, now });
    }
    await scheduleJob(tx, {
      kind: "still_handling",
      key: `${kase.id}:${round}:${now.getTime()}`,
      caseId: kase.id,
      dueAt: new Date(now.getTime() + settings.stillHandlingDays * 86400_000),
      payload: { round: kase.reworkCount },
      now,
    });
  }

  private async unit(tx: Tx, id: number) {
    const unit = await tx.unit.findUnique({ where: { id } });
    if (!unit) throw new TransitionError("承办单位不存在", "illegal_transition");
    return unit;
  }

  /** The same moment if it is on a working day, else 09:00 on the next working day. */
  workingMoment(at: Date): Date {
    const cal = this.deps.calendar;
    const date = new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    if (cal.isWorkingDay(date)) return at;
    const nextDayEnd = addWorkingDays(cal, at, 1);
    return new Date(nextDayEnd.getTime() - 9 * 3600_000);
  }

  vars(kase: CaseWithMatter): Record<string, string> {
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
}
