// Acting on a case: every transition is checked against the lifecycle table, recorded in the case's event log
// with who, when and why, and followed by what it implies: jobs scheduled or cancelled, residents and units told.
import type { Db, Prisma } from "../db.ts";
import type { Logger } from "../log.ts";
import { nextStatus, TransitionError, type Actor } from "../domain/caseMachine.ts";
import type { CaseStatus } from "../domain/case.ts";
import { addWorkingDays, type WorkCalendar } from "../domain/deadlines.ts";
import { chinaDate } from "../domain/time.ts";
import type { SettingsStore, Settings } from "../settings.ts";
import type { Replies } from "../texts/replies.ts";
import { notifyArea, notifyHelpers, notifyResident, notifyUnit } from "../followup/notify.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { cancelJobs, dispatchRound, scheduleJobs } from "../followup/schedule.ts";
import { loadCase } from "./load.ts";
import { unitById } from "../org/directory.ts";
import { recordEvent, updateCaseAndRecord } from "./records.ts";
import { caseVars } from "./presenters.ts";
import { STEPS, type ActionInput, type CaseWithMatter, type FollowContext, type WriteContext } from "./actions.ts";

export type { ActionInput } from "./actions.ts";

type Tx = Prisma.TransactionClient;

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

/**
 * The case as the caller holds it inside its transaction (opened there, not written since), so the action need not
 * read it again; `photos` false when the caller knows none is on it (so none is looked for to forward).
 */
export interface HeldCase {
  kase: CaseWithMatter;
  photos: boolean;
}

type Example = { text: string; matterCode: string; source: "confirmed" | "corrected"; caseId: number };

export class CaseService {
  constructor(private readonly deps: CaseServiceDeps) {}

  /** The working-day calendar the limits run on (cases opened outside intake: a task from a hotspot). */
  get calendar(): WorkCalendar {
    return this.deps.calendar;
  }

  /**
   * Applies one action in its own transaction (or the caller's). Throws TransitionError when it may not happen.
   * A confirmation in its own transaction is learned from once committed, so a refused step teaches nothing.
   */
  async act(caseId: number, input: ActionInput, outer?: Tx, held?: HeldCase): Promise<CaseWithMatter> {
    const settings = await this.deps.settings.current();
    if (outer) return (await this.apply(outer, caseId, input, settings, held)).updated;
    const { updated, example } = await this.deps.db.$transaction((tx) => this.apply(tx, caseId, input, settings));
    if (example) await this.deps.learn?.(example);
    return updated;
  }

  /** A note on the case; a public one is also sent to the resident. */
  async addNote(caseId: number, n: { actor: Actor; actorId?: string; text: string; isPublic: boolean; now: Date }, outer?: Tx) {
    const settings = await this.deps.settings.current();
    const run = async (tx: Tx) => {
      const kase = await tx.case.findUniqueOrThrow({ where: { id: caseId } });
      const event = await recordEvent(tx, caseId, { type: n.isPublic ? "public_note" : "internal_note", actor: n.actor, actorId: n.actorId, note: n.text, now: n.now });
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

  /** Checks the step against the lifecycle, runs the action's write, records the event, then what follows (STEPS). */
  private async apply(tx: Tx, caseId: number, input: ActionInput, settings: Settings, held?: HeldCase): Promise<{ updated: CaseWithMatter; example: Example | null }> {
    const { now, action, actor } = input;
    const kase = held?.kase.id === caseId ? held.kase : await loadCase(tx, caseId);
    const from = kase.status as CaseStatus;
    const to = nextStatus(from, action, actor, input.reason);
    const step = STEPS[action];
    const write: WriteContext = { tx, kase, input, from, calendar: this.deps.calendar, data: { status: to }, record: {}, unit: (id) => this.unit(tx, id) };
    await step.write?.(write);
    const { record } = write;

    const updated = await updateCaseAndRecord(tx, caseId, write.data, {
      type: action,
      actor,
      actorId: input.actorId,
      fromStatus: from,
      // A step may keep the status (a withdrawal others' reports outlive): the event says what was written.
      toStatus: (write.data.status as CaseStatus | undefined) ?? to,
      note: input.reason?.trim() || null,
      data: { ...(input.satisfaction ? { satisfaction: input.satisfaction } : {}), ...record },
      now,
    });
    await step.then?.(this.followContext(tx, updated, kase, input, from, settings, record, held?.photos ?? true));
    const example =
      action === "confirm" && updated.matter
        ? { text: updated.text, matterCode: updated.matter.code, source: record.corrected ? ("corrected" as const) : ("confirmed" as const), caseId }
        : null;
    return { updated, example };
  }

  /** The tools an action's follow-up uses, bound to this case and transaction. */
  private followContext(tx: Tx, kase: CaseWithMatter, before: CaseWithMatter, input: ActionInput, from: CaseStatus, settings: Settings, record: Record<string, unknown>, photos: boolean): FollowContext {
    const { now, action } = input;
    const r = this.deps.replies;
    const vars = caseVars(kase);
    return {
      tx,
      kase,
      input,
      from,
      settings,
      record,
      tell: async (template, extra = {}) => {
        await notifyResident(tx, { caseId: kase.id, text: r.render(template, { ...vars, ...extra }), kind: "progress", now, settings, dedupeKey: `${action}:${kase.id}:${kase.reworkCount}:${now.getTime()}` });
      },
      tellFormer: async (template) => {
        if (!before.residentId || before.residentId === kase.residentId) return;
        const former = { residentId: before.residentId, channel: before.channel, chatId: before.chatId, isGroup: before.isGroup };
        await notifyResident(tx, { caseId: kase.id, text: r.render(template, vars), kind: "progress", now, settings, dedupeKey: `${action}:${kase.id}:${now.getTime()}`, former });
      },
      toUnit: async (template, kind, dedupeKey, extra = {}) => {
        await notifyUnit(tx, kase.leadUnitId!, { caseId: kase.id, text: r.render(template, { ...vars, ...extra }), kind, now, dedupeKey });
      },
      toGrid: async (template, kind, dedupeKey, extra = {}) => {
        if (kase.gridId) await notifyArea(tx, kase.gridId, { caseId: kase.id, text: r.render(template, { ...vars, ...extra }), kind, now, dedupeKey });
      },
      toVolunteers: async (template, kind, dedupeKey, extra = {}, exceptId) => {
        if (!kase.gridId) return 0;
        const volunteers = await tx.volunteer.findMany({ where: { gridId: kase.gridId, active: true, ...(exceptId ? { id: { not: exceptId } } : {}) }, orderBy: { id: "asc" } });
        // Volunteers are residents too: the appeal reaches them masked.
        const text = r.render(template, { ...vars, appeal: redactPersonalData(kase.text), location: redactPersonalData(vars.location), ...extra });
        return notifyHelpers(tx, volunteers, { caseId: kase.id, text, kind, now, dedupeKey });
      },
      scheduleDeadlines: () => this.scheduleDeadlines(tx, kase, settings, now),
      forwardPhotos: async () => {
        if (photos) await this.deps.forwardPhotos?.(tx, kase.id, now);
      },
      cancel: async (kinds, why) => {
        await cancelJobs(tx, kase.id, kinds, why, now);
      },
      act: async (next, caseId = kase.id) => {
        await this.act(caseId, { action: next, actor: "bot", now }, tx);
      },
      tellOn: async (caseId, template, extra = {}) => {
        const other = await loadCase(tx, caseId);
        await notifyResident(tx, { caseId, text: r.render(template, { ...caseVars(other), ...extra }), kind: "progress", now, settings, dedupeKey: `${action}:${kase.id}:to:${caseId}` });
      },
    };
  }

  /** 催办 points before each limit, 督办 at each limit, and news for the resident if nothing is said for a while. */
  private async scheduleDeadlines(tx: Tx, kase: CaseWithMatter, settings: Settings, now: Date) {
    const round = dispatchRound(kase);
    const phases = [
      { phase: "response", due: kase.responseDueAt! },
      { phase: "resolve", due: kase.resolveDueAt! },
    ];
    const jobs: Parameters<typeof scheduleJobs>[1] = [];
    for (const { phase, due } of phases) {
      const span = due.getTime() - now.getTime();
      if (span <= 0) continue;
      for (const point of settings.chasePoints) {
        let at = new Date(now.getTime() + span * point);
        // Working-day limits are chased on working days.
        if (phase === "resolve") at = this.workingMoment(at);
        if (at.getTime() >= due.getTime()) continue;
        jobs.push({ kind: "chase", key: `${kase.id}:${round}:${phase}:${point}`, caseId: kase.id, dueAt: at, payload: { phase, point, round }, now });
      }
      jobs.push({ kind: "escalate", key: `${kase.id}:${round}:${phase}:1`, caseId: kase.id, dueAt: due, payload: { phase, level: 1, round }, now });
    }
    jobs.push({
      kind: "still_handling",
      key: `${kase.id}:${round}:${now.getTime()}`,
      caseId: kase.id,
      dueAt: new Date(now.getTime() + settings.stillHandlingDays * 86400_000),
      payload: { round: kase.reworkCount },
      now,
    });
    await scheduleJobs(tx, jobs);
  }

  private async unit(tx: Tx, id: number) {
    const unit = await unitById(tx, id);
    if (!unit) throw new TransitionError("承办单位不存在", "illegal_transition");
    return unit;
  }

  /** The same moment if it is on a working day, else 09:00 on the next working day. */
  workingMoment(at: Date): Date {
    const cal = this.deps.calendar;
    if (cal.isWorkingDay(chinaDate(at))) return at;
    const nextDayEnd = addWorkingDays(cal, at, 1);
    return new Date(nextDayEnd.getTime() - 9 * 3600_000);
  }
}
