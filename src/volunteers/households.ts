// 党员中心户: a building's party-member household hears of its families' appeals (a short masked notice, no
// resident's name or phone) and adds notes or visit records to those cases from its chat or the console.
import type { Db, Prisma } from "../db.ts";
import { CASE_NOT_FOUND, helperCases, refuseHelper } from "../cases/access.ts";
import type { CaseService } from "../cases/service.ts";
import { householdVisited, recordEvent } from "../cases/records.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { notifyHelpers } from "../followup/notify.ts";
import type { Settings } from "../settings.ts";
import type { Replies } from "../texts/replies.ts";

type Tx = Prisma.TransactionClient;

/** How much of the appeal a notice carries, masked. */
const SUMMARY_CHARS = 40;

/** Tells the 党员中心户 of the case's building, through the outbox (held in quiet hours); how many were told. */
export async function tellHouseholds(
  d: { replies: Replies },
  tx: Tx,
  kase: { id: number; number: string; text: string; buildingId: number | null; residentId: number | null; matter: { name: string } | null },
  settings: Settings,
  now: Date,
): Promise<number> {
  if (!kase.buildingId) return 0;
  const households = await tx.partyHousehold.findMany({ where: { active: true, buildings: { some: { buildingId: kase.buildingId } } }, orderBy: { id: "asc" } });
  if (!households.length) return 0;
  const building = await tx.area.findUniqueOrThrow({ where: { id: kase.buildingId } });
  const resident = kase.residentId ? await tx.resident.findUnique({ where: { id: kase.residentId } }) : null;
  // The resident's name (as WeChat shows it) is masked with the rest of their personal data.
  const summary = redactPersonalData(kase.text, [resident?.displayName]).slice(0, SUMMARY_CHARS);
  const text = d.replies.render("household_notice", { building: building.name, matter_name: kase.matter?.name ?? "待确认事项", summary, case_number: kase.number });
  const told = await notifyHelpers(tx, households, { caseId: kase.id, text, kind: "household_notice", now, dedupeKey: `household:${kase.id}`, quietHours: settings.quietHours });
  await recordEvent(tx, kase.id, { type: "household_notified", actor: "bot", note: `已告知党员中心户 ${households.length} 户`, data: { householdIds: households.map((h) => h.id) }, now });
  return told;
}

export type NoteAnswer = { ok: true; caseId: number; number: string } | { ok: false; message: string; caseId?: number };

/** A note (an internal note) or a visit (走访, its own event) on a case of the household's buildings; any other case reads as not found. */
export async function addHouseholdNote(
  d: { db: Db; cases: CaseService },
  householdId: number,
  n: { number: string; text: string; visit: boolean; actorId: string; now: Date },
): Promise<NoteAnswer> {
  const helper = { kind: "household", id: householdId } as const;
  const kase = await d.db.case.findFirst({ where: { AND: [{ number: n.number }, helperCases(helper)] }, include: { volunteerTask: true } });
  if (!kase) return { ok: false, message: `${CASE_NOT_FOUND}（${n.number}）` };
  const refused = refuseHelper(helper, kase, "note");
  if (refused) return { ok: false, message: refused.message, caseId: kase.id };
  const text = n.text || "（无内容）";
  if (n.visit) {
    const household = await d.db.partyHousehold.findUniqueOrThrow({ where: { id: householdId } });
    await d.db.$transaction((tx) => householdVisited(tx, kase.id, { householdId, householdName: household.name, text, actorId: n.actorId, now: n.now }));
  } else {
    await d.cases.addNote(kase.id, { actor: "household", actorId: n.actorId, text, isPublic: false, now: n.now });
  }
  return { ok: true, caseId: kase.id, number: kase.number };
}
