// Who may see and do what on a case: one policy for the API, the console and the chat commands.
// A unit sees a case only once it has been dispatched to it, as lead or cooperating unit; a cooperating unit only
// adds notes; a worker sees their grids' cases and the cases dispatched to their units, a district's or a street's
// administrator those of its grids and units (org/scope.ts); the city's administrators and worker tokens see all. A case someone may not see reads exactly like a case that does not exist.
import type { Db, Prisma } from "../db.ts";
import { actionsFrom, type Actor, type CaseAction } from "../domain/caseMachine.ts";
import type { CaseStatus } from "../domain/case.ts";
import type { Scope } from "../org/scope.ts";

/** Whoever asks: an API token, a console session, or a unit writing in its work chat. */
export interface CaseViewer {
  role: "unit" | "worker" | "admin";
  /** A unit's own id (unit tokens and unit chats). */
  unitId: number | null;
  /** A signed-in worker's grids and units, or a district's or street's administrator's (org/scope.ts); null means every case. */
  scope: Scope | null;
}

/** The one answer for a case that is missing or not the asker's, so numbers cannot be probed. */
export const CASE_NOT_FOUND = "未找到该工单，或您无权查看";

/** The actions a unit takes on its cases; a cooperating unit only the note. */
export const UNIT_ACTIONS = ["accept", "start", "resolve", "return", "note"] as const;
export type UnitAction = (typeof UNIT_ACTIONS)[number];

/** Dispatched to `unitIds`: as lead unit, or as a cooperating unit of a case that has been dispatched. */
function dispatchedTo(unitIds: number[]): Prisma.CaseWhereInput {
  return { dispatchedAt: { not: null }, OR: [{ leadUnitId: { in: unitIds } }, { cooperatingUnits: { some: { unitId: { in: unitIds } } } }] };
}

/** The cases a viewer may see, as a filter for any query. */
export function visibleCases(v: CaseViewer): Prisma.CaseWhereInput {
  if (v.role === "unit") return v.unitId ? dispatchedTo([v.unitId]) : { id: -1 };
  if (v.scope) return { OR: [{ gridId: { in: v.scope.gridIds } }, dispatchedTo(v.scope.unitIds)] };
  return {};
}

/** The case with this number if the viewer may see it, else null (missing and not theirs alike). */
export async function findVisibleCase<I extends Prisma.CaseInclude>(db: Db | Prisma.TransactionClient, number: string, v: CaseViewer, include?: I) {
  return db.case.findFirst({ where: { AND: [{ number }, visibleCases(v)] }, ...(include ? { include } : {}) }) as Promise<Prisma.CaseGetPayload<{ include: I }> | null>;
}

export type Refusal = { status: 403 | 404; message: string };

/**
 * May the viewer take this action on a case they can see? Returns why not, or null. A merge also needs the
 * target case to be one the viewer may see (answered as not found otherwise).
 */
export async function refuseAction(
  db: Db | Prisma.TransactionClient,
  v: CaseViewer,
  kase: { id: number; leadUnitId: number | null },
  action: CaseAction | "note",
  opts: { mergeInto?: string } = {},
): Promise<Refusal | null> {
  if (v.role === "unit") {
    if (!(UNIT_ACTIONS as readonly string[]).includes(action)) return { status: 403, message: "承办单位不能执行该操作" };
    if (action !== "note" && kase.leadUnitId !== v.unitId) return { status: 403, message: "配合单位只能添加进展或备注" };
  }
  if (action === "merge" && opts.mergeInto && !(await findVisibleCase(db, opts.mergeInto, v))) {
    return { status: 404, message: `要合并到的工单${CASE_NOT_FOUND}` };
  }
  return null;
}

/**
 * What the viewer may do to a case they can see, now: the lifecycle's actions for their role from the case's status,
 * narrowed by the same rules refuseAction applies, and the note. The console draws its buttons from this.
 */
export function allowedActions(v: CaseViewer, kase: { status: string; leadUnitId: number | null; reporterCount?: number }): (CaseAction | "note")[] {
  // 拆分同诉 only where a resident joined (the case counts more than its own resident).
  const lifecycle = actionsFrom(kase.status as CaseStatus, actorOf(v)).filter((a) => a !== "split" || (kase.reporterCount ?? 1) > 1);
  if (v.role !== "unit") return [...lifecycle, "note"];
  if (kase.leadUnitId !== v.unitId) return ["note"];
  return [...lifecycle.filter((a) => (UNIT_ACTIONS as readonly string[]).includes(a)), "note"];
}

/** Who a viewer is in the case's event log. */
export const actorOf = (v: CaseViewer): Actor => (v.role === "unit" ? "unit" : "worker");

/**
 * Volunteers and 党员中心户 act from their own chats (or an administrator for them on the console). A volunteer
 * sees a case only while it is offered to their grid or once they claimed it; a 党员中心户 only its buildings'
 * cases. Anything else reads as not found, like a unit's.
 */
export type CaseHelper = { kind: "volunteer"; id: number; gridId: number | null } | { kind: "household"; id: number };

/** The cases a volunteer or a 党员中心户 may see, as a filter for any query. */
export function helperCases(h: CaseHelper): Prisma.CaseWhereInput {
  if (h.kind === "household") return { building: { households: { some: { householdId: h.id } } } };
  const offered: Prisma.VolunteerTaskWhereInput[] = h.gridId ? [{ gridId: h.gridId }] : [];
  return { volunteerTask: { OR: [...offered, { volunteerId: h.id }] } };
}

/** May the helper take this step on a case they can see? A volunteer claims and reports done; a household notes. */
export function refuseHelper(h: CaseHelper, kase: { volunteerTask: { volunteerId: number | null } | null }, action: CaseAction | "note"): Refusal | null {
  if (h.kind === "household") return action === "note" ? null : { status: 403, message: "党员中心户只能添加备注或走访记录" };
  if (action === "volunteer_claim") return null;
  if (action === "resolve") return kase.volunteerTask?.volunteerId === h.id ? null : { status: 403, message: "这件诉求不是您认领的" };
  return { status: 403, message: "志愿者只能认领和报告完成" };
}
