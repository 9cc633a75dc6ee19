// Opens a case (工单) inside the caller's transaction: readable number, due times, units, and its first event
// ("opened"); the one place a case is created.
import { dbEngine, NEXT_IN_YEAR, nextInSequence, sqlRows, sqlRun, sqlTime, type Db, type Prisma } from "../db.ts";
import type { MatterInfo } from "../classify/catalogue.ts";
import type { Classification } from "../classify/types.ts";
import { formatCaseNumber, type CaseStatus, type Urgency } from "../domain/case.ts";
import { dueTimes, type WorkCalendar } from "../domain/deadlines.ts";
import { chinaYear } from "../domain/time.ts";
import { redactPersonalData } from "../domain/redact.ts";
import type { QuestionCode } from "../classify/questions.ts";
import { DEFAULT_LIMITS } from "../responsibility/apply.ts";
import { involvesRoles, leadUnresolved, resolutionNote, resolveUnits, type UnitResolution } from "../org/roles.ts";
import { eventRow, recordEvents, type EventInput } from "./records.ts";
import { withMatter } from "./load.ts";
import { insertRow, insertStatement, modelColumns } from "../rawRows.ts";

type Tx = Prisma.TransactionClient;

export interface OpenCaseProps {
  /** Its number, when taken ahead (reserveCaseNumber); else the next of the year, taken here. */
  number?: string | null;
  now: Date;
  text: string;
  location: string | null;
  channel: string;
  chatId: string;
  isGroup: boolean;
  /** null: a proactive task (未诉先办) that no resident raised, opened from the console with no message. */
  residentId: number | null;
  inboundId: number | null;
  /** false: the caller records the message's case itself (the intake's finish, in the same transaction). */
  linkInbound?: boolean;
  /** resident (the default) or proactive. */
  origin?: "resident" | "proactive";
  gridId: number | null;
  buildingId: number | null;
  matter: MatterInfo | null;
  urgency: Urgency;
  status: CaseStatus;
  /**
   * The classifier's answer; an emergency rule's code; why nobody could classify it yet (a voice not
   * transcribed); or a worker's (a report split off, a task from a hotspot), who chose the matter.
   */
  classification: Classification | { source: "rule"; rule: string } | { source: "pending"; reason: string } | { source: "worker"; reason: string };
  /** Codes of the question catalogue asked of the resident. */
  missingInfo: QuestionCode[];
  calendar: WorkCalendar;
  /** The responsibility list's version the matter was chosen from. */
  listVersionId: number | null;
}

type CaseRow = Prisma.CaseGetPayload<object>;

/** The case, its cooperating units and its first events, one raw statement each (rawRows.ts). */
async function insertCaseInTurn(tx: Tx, data: Record<string, unknown>, cooperating: number[], events: EventInput[]): Promise<CaseRow> {
  const row = await insertRow<CaseRow>(tx, "Case", data, () => tx.case.create({ data: data as Prisma.CaseUncheckedCreateInput }));
  if (cooperating.length) {
    await sqlRun(tx, `INSERT INTO "CaseCooperatingUnit" ("caseId", "unitId") VALUES ${cooperating.map(() => "(?, ?)").join(", ")}`, ...cooperating.flatMap((unitId) => [row.id, unitId]));
  }
  await recordEvents(tx, row.id, events);
  return row;
}

/**
 * On PostgreSQL the same three writes as one statement (data-modifying WITHs: one round trip where there were
 * three, for every case opened): the events in their order, so their ids rise as insertCaseInTurn's do. Null when
 * the case's data is not flat (Prisma must write it).
 */
async function insertCaseAtOnce(tx: Tx, data: Record<string, unknown>, cooperating: number[], events: EventInput[]): Promise<CaseRow | null> {
  const insert = insertStatement(tx, "Case", data);
  if (!insert) return null;
  const rows = events.map((e) => eventRow(0, e));
  const columns = modelColumns(tx, "Case");
  const [row] = await sqlRows<CaseRow>(
    tx,
    `WITH "c" AS (${insert.sql} RETURNING ${columns}),
    "u" AS (INSERT INTO "CaseCooperatingUnit" ("caseId", "unitId") SELECT "c"."id", "x" FROM "c", unnest(CAST(? AS integer[])) AS "x"),
    "e" AS (INSERT INTO "CaseEvent" ("caseId", "type", "actor", "actorId", "fromStatus", "toStatus", "note", "data", "createdAt")
      SELECT "c"."id", "v"."type", "v"."actor", "v"."actorId", "v"."fromStatus", "v"."toStatus", "v"."note", "v"."data", "v"."createdAt" FROM "c",
      unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS jsonb[]), CAST(? AS timestamp(3)[]))
        WITH ORDINALITY AS "v"("type", "actor", "actorId", "fromStatus", "toStatus", "note", "data", "createdAt", "n") ORDER BY "v"."n")
    SELECT ${columns} FROM "c"`,
    ...insert.values,
    cooperating,
    ...(["type", "actor", "actorId", "fromStatus", "toStatus", "note"] as const).map((k) => rows.map((r) => r[k])),
    rows.map((r) => (r.data === undefined ? null : JSON.stringify(r.data))),
    rows.map((r) => sqlTime(r.createdAt)),
  );
  return row;
}

/** A case number taken ahead of the case's transaction where the engine wants that (PostgreSQL: nextInSequence), else null. */
export async function reserveCaseNumber(db: Db, now: Date): Promise<string | null> {
  const year = chinaYear(now);
  const last = await nextInSequence(db, year);
  return last === null ? null : formatCaseNumber(year, last);
}

export async function nextCaseNumber(tx: Tx, now: Date): Promise<string> {
  const year = chinaYear(now);
  const [seq] = await sqlRows<{ last: number | bigint }>(tx, NEXT_IN_YEAR, year);
  return formatCaseNumber(year, Number(seq.last));
}

/**
 * The matter's units at the case's place (org/roles.ts). A lead role nobody fills there keeps an accepted case for
 * a worker to dispatch by hand (待审核, the reason on its timeline), never sends it to a unit that was not meant; a
 * cooperating role nobody fills is left out, the reason recorded the same way, and the lead unit goes ahead.
 */
export async function openCase(tx: Tx, p: OpenCaseProps) {
  const number = p.number ?? (await nextCaseNumber(tx, p.now));
  const units: UnitResolution | null = p.matter ? await resolveUnits(tx, p.matter, { gridId: p.gridId, buildingId: p.buildingId }) : null;
  const status: CaseStatus = units && leadUnresolved(units) && p.status === "accepted" ? "needs_review" : p.status;
  // A case with no matter yet still runs on the default limits: reviewing it is on the clock too.
  const due = dueTimes(p.calendar, p.now, p.matter ?? DEFAULT_LIMITS, p.urgency);
  const cls = p.classification;
  const data = {
      number,
      text: p.text,
      location: p.location,
      channel: p.channel,
      chatId: p.chatId,
      isGroup: p.isGroup,
      residentId: p.residentId,
      origin: p.origin ?? "resident",
      matterId: p.matter?.id,
      leadUnitId: units?.lead?.unit.id,
      unitResolution: (units ?? undefined) as Prisma.InputJsonValue | undefined,
      gridId: p.gridId,
      buildingId: p.buildingId,
      urgency: p.urgency,
      status,
      classSource: cls.source,
      // A rule is sure; nobody has judged a case still waiting for a worker.
      classConfidence: "confidence" in cls ? cls.confidence : cls.source === "rule" || cls.source === "worker" ? 1 : 0,
      // Shown to workers and units: masked even when the classifier has masked it already (names need not be known).
      classRationale: redactPersonalData("rationale" in cls ? cls.rationale : cls.source === "rule" ? `紧急规则：${cls.rule}` : cls.reason),
      classModel: "model" in cls ? cls.model : undefined,
      promptVersionId: "promptVersionId" in cls ? cls.promptVersionId : undefined,
      listVersionId: p.listVersionId,
      missingInfo: p.missingInfo,
      responseDueAt: due.responseDueAt,
      resolveDueAt: due.resolveDueAt,
      createdAt: p.now,
  };
  const cooperating = (units?.cooperating ?? []).map((c) => c.unit.id);
  // Its first events: opened, and how its units were found where roles were involved.
  const events: EventInput[] = [
    { type: "opened", actor: "bot", toStatus: status, now: p.now, data: { inboundId: p.inboundId, matterCode: p.matter?.code ?? null, classification: cls } },
    ...(units && involvesRoles(units) ? [{ type: "units_resolved", actor: "bot" as const, note: resolutionNote(units), data: { unresolved: units.unresolved.length }, now: p.now }] : []),
  ];
  const row = (dbEngine(tx) === "postgres" ? await insertCaseAtOnce(tx, data, cooperating, events) : null) ?? (await insertCaseInTurn(tx, data, cooperating, events));
  const created = await withMatter(tx, row);
  if (p.inboundId && p.linkInbound !== false) await tx.inboundMessage.update({ where: { id: p.inboundId }, data: { caseId: created.id } });
  return created;
}
