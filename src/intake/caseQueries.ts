// What a resident can ask about their cases in the chat: one case by its number, or their recent ones.
import type { Db } from "../db.ts";
import { STATUS_LABELS, type CaseStatus } from "../domain/case.ts";
import { formatChinaDateTime } from "../domain/time.ts";
import type { Replies } from "../texts/replies.ts";
import type { Responder } from "./respond.ts";
import { caseSummary } from "../cases/presenters.ts";
import type { IntakeResult, Turn } from "./types.ts";
import { residentWrote } from "../cases/records.ts";

export interface CaseQueryDeps {
  db: Db;
  replies: Replies;
  out: Responder;
}

/** A resident quoting a case number: its state, for the resident who raised it or the group it was raised in. */
export async function answerCaseQuery(h: CaseQueryDeps, turn: Turn, number: string): Promise<IntakeResult> {
const { db, replies, out } = h;
  const { row, now } = turn;
  // Only the resident who raised the case, or the group it was raised in, may ask about it.
  const kase = await db.case.findFirst({
    where: { number, OR: [{ residentId: turn.residentId }, { isGroup: true, channel: row.channel, chatId: row.chatId }] },
    include: { matter: true, leadUnit: true },
  });
  return db.$transaction(async (tx) => {
    if (!kase) {
      const reply = await out.reply(tx, row, now, replies.render("case_not_found", { case_number: number }));
      return out.finish(tx, row, now, { outcome: "case_query", replies: [reply] });
    }
    await residentWrote(tx, kase.id, { text: turn.text, inboundId: row.id, now });
    await tx.inboundMessage.update({ where: { id: row.id }, data: { caseId: kase.id } });
    const text = replies.render("case_status", {
      case_number: kase.number,
      matter_name: kase.matter?.name ?? "待确认事项",
      status: STATUS_LABELS[kase.status as CaseStatus] ?? kase.status,
      due_line: kase.resolveDueAt ? `承办单位：${kase.leadUnit?.name ?? "待定"}，${formatChinaDateTime(kase.resolveDueAt)}前办结。` : "",
    });
    const reply = await out.reply(tx, row, now, text, kase.id);
    return out.finish(tx, row, now, {
      outcome: "case_query",
      replies: [reply],
      case: caseSummary(kase),
    }, kase.id);
  });
}

/** "我的工单": the resident's last three cases. */
export async function listResidentCases(h: CaseQueryDeps, turn: Turn): Promise<IntakeResult> {
const { db, replies, out } = h;
  const { row, now } = turn;
  const cases = await db.case.findMany({
    where: { residentId: turn.residentId },
    orderBy: { id: "desc" },
    take: 3,
    include: { matter: true },
  });
  const text = cases.length
    ? replies.render("my_cases", {
        cases: cases.map((c) => `${c.number} ${c.matter?.name ?? "待确认事项"}：${STATUS_LABELS[c.status as CaseStatus] ?? c.status}`).join("\n"),
      })
    : replies.render("no_cases");
  return db.$transaction(async (tx) => out.finish(tx, row, now, { outcome: "case_query", replies: [await out.reply(tx, row, now, text)] }));
}
