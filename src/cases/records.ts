// What is written on a case besides its lifecycle steps (actions.ts, run by service.ts): each a named function,
// so that with openCase (open.ts) these are the only writes to a case or its events outside the action table.
// None changes a case's status; each records an event saying what happened.
import { dbEngine, sqlRows, sqlTime, type Prisma } from "../db.ts";
import { insertRow, insertRowLater, insertRows, modelColumns, notFound, updateStatement } from "../rawRows.ts";
import type { Actor } from "../domain/caseMachine.ts";
import { MATTER_UNITS, matterInfo } from "../classify/catalogue.ts";
import { leadUnresolved, resolutionNote, resolveUnits, type UnitResolution } from "../org/roles.ts";
import { updateCase, withMatter, type CaseWithMatter } from "./load.ts";

type Tx = Prisma.TransactionClient;

/** Where a case is, as org/areas.ts placeOf finds it. */
export interface CasePlace {
  location: string | null;
  gridId: number | null;
  buildingId: number | null;
}

export interface EventInput {
  type: string;
  actor: Actor;
  actorId?: string;
  note?: string | null;
  data?: Record<string, unknown>;
  fromStatus?: string;
  toStatus?: string;
  now: Date;
}

/** A 党员中心户's visit (走访) to the family of a case in its buildings: an event of its own, with the household. */
export function householdVisited(tx: Tx, caseId: number, v: { householdId: number; householdName: string; text: string; actorId: string; now: Date }) {
  return recordEvent(tx, caseId, { type: "household_visit", actor: "household", actorId: v.actorId, note: v.text, data: { householdId: v.householdId, householdName: v.householdName }, now: v.now });
}

/** The one way an event joins a case's log (one raw statement: several run for every case, see rawRows.ts). */
export function recordEvent(tx: Tx, caseId: number, e: EventInput): Promise<Prisma.CaseEventGetPayload<object>> {
  const data = eventRow(caseId, e);
  return insertRow(tx, "CaseEvent", data, () => tx.caseEvent.create({ data }));
}

/** recordEvent for an event nobody reads back in the transaction: with its next statement (rawRows.ts insertRowLater). */
export function recordEventLater(tx: Tx, caseId: number, e: EventInput): Promise<void> {
  const data = eventRow(caseId, e);
  return insertRowLater(tx, "CaseEvent", data, () => tx.caseEvent.create({ data }));
}

/** Events that happen together, in one statement (in this order: their ids rise with it). */
export async function recordEvents(tx: Tx, caseId: number, events: EventInput[]): Promise<void> {
  if (events.length > 1 && (await insertRows(tx, "CaseEvent", events.map((e) => eventRow(caseId, e))))) return;
  for (const e of events) await recordEvent(tx, caseId, e);
}

/**
 * Writes the case and the event that says so: on PostgreSQL in one statement (a data-modifying WITH: every action on
 * a case runs this), on SQLite as updateCase and recordEvent. The case comes back with its matter and lead unit.
 */
export async function updateCaseAndRecord(tx: Tx, id: number, data: Prisma.CaseUncheckedUpdateInput, e: EventInput): Promise<CaseWithMatter> {
  const update = dbEngine(tx) === "postgres" ? updateStatement(tx, "Case", id, data as Record<string, unknown>) : null;
  if (!update) {
    const updated = await updateCase(tx, id, data);
    await recordEvent(tx, id, e);
    return updated;
  }
  const row = eventRow(id, e);
  const columns = modelColumns(tx, "Case");
  const [kase] = await sqlRows<Prisma.CaseGetPayload<object>>(
    tx,
    `WITH "u" AS (${update.sql} RETURNING ${columns}),
    "e" AS (INSERT INTO "CaseEvent" ("caseId", "type", "actor", "actorId", "fromStatus", "toStatus", "note", "data", "createdAt")
      SELECT "u"."id", CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), ?j, ?t FROM "u")
    SELECT ${columns} FROM "u"`,
    ...update.values,
    row.type,
    row.actor,
    row.actorId,
    row.fromStatus,
    row.toStatus,
    row.note,
    row.data === undefined ? null : JSON.stringify(row.data),
    sqlTime(row.createdAt),
  );
  if (!kase) throw notFound("Case", id);
  return withMatter(tx, kase);
}

/** An event as its row's columns (recordEvent writes it; open.ts writes a case's first with the case on PostgreSQL). */
export function eventRow(caseId: number, e: EventInput) {
  return { caseId, type: e.type, actor: e.actor, actorId: e.actorId ?? null, fromStatus: e.fromStatus ?? null, toStatus: e.toStatus ?? null, note: e.note ?? null, data: e.data as Prisma.InputJsonObject | undefined, createdAt: e.now };
}

/** The resident wrote about their case (quoting its number). */
export function residentWrote(tx: Tx, caseId: number, m: { text: string; inboundId: number; now: Date }) {
  return recordEvent(tx, caseId, { type: "resident_message", actor: "resident", note: m.text, data: { inboundId: m.inboundId }, now: m.now });
}

/**
 * The resident answered where the problem is: the place is added to the case, and the questions are settled.
 * A grid or building the answer names replaces the one guessed before.
 */
export async function completeInfo(tx: Tx, kase: { id: number; location: string | null }, a: { text: string; place: CasePlace; inboundId: number; now: Date }) {
  const updated = await updateCase(tx, kase.id, {
    location: [kase.location, a.text].filter(Boolean).join("；"),
    missingInfo: [],
    ...(a.place.buildingId ? { buildingId: a.place.buildingId } : {}),
    ...(a.place.gridId ? { gridId: a.place.gridId } : {}),
  });
  await recordEvent(tx, kase.id, { type: "info_completed", actor: "resident", note: a.text, data: { inboundId: a.inboundId }, now: a.now });
  return (await unitsAtAnsweredPlace(tx, updated, a.now)) ?? updated;
}

/**
 * A case waiting for a worker because nobody knew where it was, so its lead role had nobody to fill it: the units
 * are found again at the place the resident gave, for the worker who confirms it (the status stays theirs to move).
 */
async function unitsAtAnsweredPlace(tx: Tx, kase: { id: number; status: string; matterId: number | null; gridId: number | null; buildingId: number | null; unitResolution: unknown }, now: Date) {
  const held = kase.unitResolution as UnitResolution | null;
  if (kase.status !== "needs_review" || !kase.matterId || !held || !leadUnresolved(held)) return null;
  const matter = await tx.matter.findUniqueOrThrow({ where: { id: kase.matterId }, include: MATTER_UNITS });
  const units = await resolveUnits(tx, matterInfo(matter), kase);
  if (leadUnresolved(units)) return null;
  await tx.caseCooperatingUnit.deleteMany({ where: { caseId: kase.id } });
  for (const c of units.cooperating) await tx.caseCooperatingUnit.create({ data: { caseId: kase.id, unitId: c.unit.id } });
  const updated = await updateCase(tx, kase.id, { leadUnitId: units.lead?.unit.id ?? null, unitResolution: units as unknown as Prisma.InputJsonValue });
  await recordEvent(tx, kase.id, { type: "units_resolved", actor: "bot", note: resolutionNote(units), data: { unresolved: units.unresolved.length }, now });
  return updated;
}

/**
 * A photo or a pin sent after the case was opened. A pin's place (looked up only for a case without a location)
 * becomes the case's place (its grid only when the case has none).
 */
export async function mediaAdded(
  tx: Tx,
  kase: { id: number; location: string | null; gridId: number | null },
  m: { pin: { label: string | null; place: CasePlace | null } | null; inboundId: number; now: Date },
) {
  const place = m.pin?.place;
  if (place && !kase.location) {
    await tx.case.update({
      where: { id: kase.id },
      data: { location: place.location, ...(place.buildingId ? { buildingId: place.buildingId } : {}), ...(place.gridId && !kase.gridId ? { gridId: place.gridId } : {}) },
    });
  }
  await recordEvent(tx, kase.id, { type: "media_added", actor: "resident", note: m.pin ? `位置：${m.pin.label ?? "（无名称）"}` : "照片", data: { inboundId: m.inboundId }, now: m.now });
}

/** 督办: the case's escalation level rises (never falls) and the log says which limit and to whom. */
export async function escalated(tx: Tx, kase: { id: number; escalationLevel: number }, e: { level: number; note: string; data: Record<string, unknown>; now: Date }) {
  await tx.case.update({ where: { id: kase.id }, data: { escalationLevel: Math.max(kase.escalationLevel, e.level) } });
  await recordEvent(tx, kase.id, { type: "escalated", actor: "scheduler", note: e.note, data: e.data, now: e.now });
}

/** The resident was told something about the case: the still-handling notice counts from here. */
export async function residentUpdated(tx: Tx, caseId: number, now: Date) {
  await tx.case.update({ where: { id: caseId }, data: { lastResidentUpdateAt: now } });
}

/** Retention: the case's words are masked for good (the caller erases its media and messages in the same transaction). */
export async function anonymised(tx: Tx, caseId: number, masked: { text: string; location: string | null; classRationale: string }, now: Date) {
  await tx.case.update({ where: { id: caseId }, data: { ...masked, anonymisedAt: now } });
  await recordEvent(tx, caseId, { type: "anonymised", actor: "scheduler", now });
}
