// Volunteer tasks (志愿者认领): an appeal of a 志愿者可认领 matter is offered to its grid's volunteers before any
// unit; the first claim wins (a conditional update inside the claim's transaction), the volunteer reports it done
// with the hours it took, an offer nobody claims in time goes the normal way. The VolunteerTask row is written
// here; what the case records and who hears is the case actions' (cases/actions.ts: offer_volunteers,
// volunteer_claim, volunteer_unclaimed, resolve).
import { z } from "zod";
import type { Db, Prisma } from "../db.ts";
import { CASE_NOT_FOUND, helperCases, refuseHelper, type CaseHelper } from "../cases/access.ts";
import type { CaseService } from "../cases/service.ts";
import { TransitionError } from "../domain/caseMachine.ts";
import type { SettingsStore } from "../settings.ts";

type Tx = Prisma.TransactionClient;

export interface TaskDeps {
  db: Db;
  cases: CaseService;
  runtimeSettings: SettingsStore;
}

export type Volunteer = { id: number; name: string; gridId: number | null };
export type TaskAnswer = { ok: true; caseId: number; number: string } | { ok: false; message: string; caseId?: number };

/** Hours a volunteer reports: more than nothing, at most a day's work. */
export const hoursSchema = z.number().positive("服务时长应大于 0").max(24, "一次服务时长不能超过 24 小时");

const helperOf = (v: Volunteer): CaseHelper => ({ kind: "volunteer", id: v.id, gridId: v.gridId });

/**
 * Right after an appeal is opened: offered to its grid's active volunteers when its matter is 志愿者可认领 and the
 * case is accepted. True when offered (the caller then sends it to no unit yet).
 */
export async function offerToVolunteers(
  d: Pick<TaskDeps, "cases" | "runtimeSettings">,
  tx: Tx,
  kase: { id: number; status: string; gridId: number | null; matter: { volunteerClaimable: boolean } | null },
  now: Date,
): Promise<boolean> {
  if (kase.status !== "accepted" || !kase.matter?.volunteerClaimable || !kase.gridId) return false;
  if ((await tx.volunteer.count({ where: { gridId: kase.gridId, active: true } })) === 0) return false;
  const { volunteerClaimMinutes } = await d.runtimeSettings.current();
  await tx.volunteerTask.create({
    data: { caseId: kase.id, gridId: kase.gridId, status: "offered", offeredAt: now, expiresAt: new Date(now.getTime() + volunteerClaimMinutes * 60_000) },
  });
  await d.cases.act(kase.id, { action: "offer_volunteers", actor: "bot", now }, tx);
  return true;
}

/** What a task that can no longer be claimed says to the one who tried. */
const NOT_OPEN: Record<string, string> = {
  claimed: "这件诉求已被其他志愿者认领",
  done: "这件诉求已经完成",
  expired: "认领时限已过，已转交工作人员办理",
};

/** A claim: the first one wins; the others hear it is taken. A case not offered to the volunteer's grid reads as not found. */
export async function claimTask(d: TaskDeps, v: Volunteer, number: string, actorId: string, now: Date): Promise<TaskAnswer> {
  const kase = await d.db.case.findFirst({ where: { AND: [{ number }, helperCases(helperOf(v))] }, include: { volunteerTask: true } });
  if (!kase?.volunteerTask) return { ok: false, message: `${CASE_NOT_FOUND}（${number}）` };
  const refused = refuseHelper(helperOf(v), kase, "volunteer_claim");
  if (refused) return { ok: false, message: refused.message, caseId: kase.id };
  try {
    await d.db.$transaction(async (tx) => {
      const won = await tx.volunteerTask.updateMany({
        where: { caseId: kase.id, status: "offered", gridId: v.gridId },
        data: { status: "claimed", volunteerId: v.id, claimedAt: now },
      });
      if (won.count !== 1) throw new TransitionError("not open", "illegal_transition");
      await d.cases.act(kase.id, { action: "volunteer_claim", actor: "volunteer", actorId, volunteerId: v.id, now }, tx);
    });
  } catch (err) {
    if (!(err instanceof TransitionError)) throw err;
    const task = await d.db.volunteerTask.findUniqueOrThrow({ where: { caseId: kase.id } });
    const mine = task.volunteerId === v.id && task.status === "claimed";
    return { ok: false, message: mine ? "您已认领这件诉求" : NOT_OPEN[task.status] ?? "这件诉求已转交工作人员办理", caseId: kase.id };
  }
  return { ok: true, caseId: kase.id, number: kase.number };
}

/** Done: the task records the hours, the case is resolved by the volunteer, and the resident's survey follows. */
export async function completeTask(d: TaskDeps, v: Volunteer, c: { number: string; result: string; hours: number | null; actorId: string; now: Date }): Promise<TaskAnswer> {
  const kase = await d.db.case.findFirst({ where: { AND: [{ number: c.number }, helperCases(helperOf(v))] }, include: { volunteerTask: true } });
  if (!kase?.volunteerTask) return { ok: false, message: `${CASE_NOT_FOUND}（${c.number}）` };
  const refused = refuseHelper(helperOf(v), kase, "resolve");
  if (refused) return { ok: false, message: refused.message, caseId: kase.id };
  try {
    await d.db.$transaction(async (tx) => {
      const done = await tx.volunteerTask.updateMany({ where: { caseId: kase.id, volunteerId: v.id, status: "claimed" }, data: { status: "done", doneAt: c.now, hours: c.hours } });
      if (done.count !== 1) throw new TransitionError("这件诉求已经完成", "illegal_transition");
      await d.cases.act(kase.id, { action: "resolve", actor: "volunteer", actorId: c.actorId, reason: c.result || "志愿者已帮忙完成", now: c.now }, tx);
    });
  } catch (err) {
    if (err instanceof TransitionError) return { ok: false, message: err.message, caseId: kase.id };
    throw err;
  }
  return { ok: true, caseId: kase.id, number: kase.number };
}

/** The tasks a volunteer claimed and has not reported done, oldest first, with their case. */
export function claimedTasks(db: Db, volunteerId: number) {
  return db.volunteerTask.findMany({ where: { volunteerId, status: "claimed" }, orderBy: { claimedAt: "asc" }, include: { case: { include: { matter: true } } } });
}

/** The offer ran out unclaimed: true when this call expired it (a claim or another run may have come first). */
export async function expireOffer(tx: Tx, caseId: number): Promise<boolean> {
  const expired = await tx.volunteerTask.updateMany({ where: { caseId, status: "offered" }, data: { status: "expired" } });
  return expired.count === 1;
}
