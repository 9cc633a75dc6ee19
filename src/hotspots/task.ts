// 未诉先办: a hotspot turned into a proactive task — a case no resident raised (origin "proactive"), on the
// hotspot's matter and place, that follows the same loop (dispatched to the matter's lead unit, chased,
// escalated; nobody to tell or survey). The hotspot records it.
import type { Db } from "../db.ts";
import type { WorkCalendar } from "../domain/deadlines.ts";
import { TransitionError, type Actor } from "../domain/caseMachine.ts";
import { MATTER_UNITS, matterInfo } from "../classify/catalogue.ts";
import { openCase } from "../cases/open.ts";
import { recordEvent } from "../cases/records.ts";
import type { CaseService } from "../cases/service.ts";

export async function taskFromHotspot(
  deps: { db: Db; cases: CaseService; calendar: WorkCalendar; listVersionId: number | null },
  hotspotId: number,
  t: { text?: string; actor: Actor; actorId: string; now: Date },
) {
  return deps.db.$transaction(async (tx) => {
    const h = await tx.hotspot.findUniqueOrThrow({ where: { id: hotspotId }, include: { area: true, matter: { include: MATTER_UNITS } } });
    if (h.status !== "open") throw new TransitionError(h.status === "tasked" ? "该热点已转为主动任务" : "该热点已忽略", "illegal_transition");
    const cases = await tx.case.findMany({ where: { id: { in: h.caseIds as number[] } }, select: { number: true, gridId: true, location: true } });
    // A building's hotspot is in its grid; a community's goes to the grid most of its cases came from.
    const building = h.area.level === "building" ? h.area : null;
    const tally = new Map<number, number>();
    for (const c of cases) if (c.gridId) tally.set(c.gridId, (tally.get(c.gridId) ?? 0) + 1);
    const gridId = building?.parentId ?? [...tally].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    const numbers = cases.map((c) => c.number).join("、");
    const text = t.text?.trim() || `【未诉先办】${h.area.name}近期“${h.matter.name}”反映 ${h.count} 件（${numbers}），请主动排查、集中处置。`;
    const matter = matterInfo(h.matter);
    const created = await openCase(tx, {
      now: t.now,
      text,
      location: building?.name ?? h.area.name,
      channel: "console",
      chatId: "",
      isGroup: false,
      residentId: null,
      inboundId: null,
      origin: "proactive",
      gridId,
      buildingId: building?.id ?? null,
      matter,
      urgency: "normal",
      status: "accepted",
      classification: { source: "worker", reason: `由热点 #${h.id} 转为主动任务` },
      missingInfo: [],
      calendar: deps.calendar,
      listVersionId: deps.listVersionId,
    });
    await recordEvent(tx, created.id, { type: "hotspot_task", actor: t.actor, actorId: t.actorId, note: `热点 #${h.id}：${numbers}`, data: { hotspotId: h.id }, now: t.now });
    await tx.hotspot.update({ where: { id: h.id }, data: { status: "tasked", taskCaseId: created.id } });
    // The worker asked for the task: it goes to the lead unit at once, whatever the auto-dispatch setting.
    // Unless a role of the matter has nobody to fill it there (openCase keeps it for review, saying why).
    const kase = created.status === "accepted" && created.leadUnitId ? await deps.cases.act(created.id, { action: "dispatch", actor: "worker", actorId: t.actorId, now: t.now }, tx) : created;
    return kase;
  });
}

/** A worker sets a hotspot aside (not a problem to act on); it stays found, and is not told again. */
export async function dismissHotspot(db: Db, hotspotId: number) {
  const h = await db.hotspot.findUniqueOrThrow({ where: { id: hotspotId } });
  if (h.status !== "open") throw new TransitionError("只能忽略未处理的热点", "illegal_transition");
  return db.hotspot.update({ where: { id: hotspotId }, data: { status: "dismissed" } });
}
