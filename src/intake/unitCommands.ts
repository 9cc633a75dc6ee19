// Units act on their cases from their own chats: "2026-000123 已办结 已更换灯泡" in a work group, or from a WeCom
// member's chat. The same policy as the API decides what they may see and do (cases/access.ts).
import type { Db } from "../db.ts";
import { CASE_NOT_FOUND, findVisibleCase, refuseAction } from "../cases/access.ts";
import type { CaseService } from "../cases/service.ts";
import { CASE_NUMBER_PATTERN } from "../domain/case.ts";
import { TransitionError, type CaseAction } from "../domain/caseMachine.ts";
import type { Replies } from "../texts/replies.ts";
import { stripAddress } from "./recognise.ts";
import type { Responder } from "./respond.ts";
import type { IntakeResult, Row } from "./types.ts";

export interface UnitCommandDeps {
  db: Db;
  replies: Replies;
  cases: CaseService;
  botName: string;
  out: Responder;
}

/** A message in a unit's work chat: "<case number> <action> <text>". */
export async function handleUnitCommand(h: UnitCommandDeps, row: Row, now: Date, unit: { id: number; name: string }): Promise<IntakeResult> {
const { db, replies, cases, botName, out } = h;
  const { text } = stripAddress(row.text, botName, []);
  const command = parseUnitCommand(text);
  const respond = (message: string, caseId?: number) => out.answer(db, row, now, "unit_command", message, caseId);
  if (!command) {
    // Chatter among the unit's staff is not for the bot unless they @ it.
    if (!row.mentionsBot && !row.text.includes(`@${botName}`) && row.isGroup) return out.finish(db, row, now, { outcome: "not_addressed", replies: [] });
    return respond(replies.render("unit_command_help"));
  }
  const viewer = { role: "unit", unitId: unit.id, scope: null } as const;
  const kase = await findVisibleCase(db, command.number, viewer);
  if (!kase) return respond(replies.render("unit_command_error", { error: `${CASE_NOT_FOUND}（${command.number}）` }));
  const refused = await refuseAction(db, viewer, kase, command.action);
  if (refused) return respond(replies.render("unit_command_error", { error: refused.message }), kase.id);
  const actorId = `${row.channel}:${row.senderId}`;
  try {
    await db.$transaction(async (tx) => {
      if (command.action === "note") {
        await cases.addNote(kase.id, { actor: "unit", actorId, text: command.text || "（无内容）", isPublic: command.isPublic, now }, tx);
      } else {
        await cases.act(kase.id, { action: command.action, actor: "unit", actorId, reason: command.text, now }, tx);
      }
    });
  } catch (err) {
    if (err instanceof TransitionError) return respond(replies.render("unit_command_error", { error: err.message }), kase.id);
    throw err;
  }
  return respond(replies.render("unit_command_ok", { case_number: kase.number, action: command.label }), kase.id);
}

const UNIT_ACTIONS: [RegExp, CaseAction | "note", string, boolean][] = [
  [/^(已?签收|收到|已受理)/, "accept", "已签收", false],
  [/^(开始处理|开始办理|处理中|正在处理)/, "start", "开始办理", false],
  [/^(已办结|办结|已处理|已解决|已完成|已修好)/, "resolve", "已办结", false],
  [/^(退单|退回)/, "return", "已退单", false],
  [/^(进展|进度)/, "note", "进展已告知居民", true],
  [/^(备注)/, "note", "已备注", false],
];

/** "2026-000123 已办结 已更换灯泡" → the case, the action and the rest. */
export function parseUnitCommand(text: string): { number: string; action: CaseAction | "note"; label: string; isPublic: boolean; text: string } | null {
  const m = new RegExp(`^\\s*${CASE_NUMBER_PATTERN.source}[\\s,，:：]*(.*)$`, "s").exec(text);
  if (!m) return null;
  const rest = m[3].trim();
  for (const [re, action, label, isPublic] of UNIT_ACTIONS) {
    const hit = re.exec(rest);
    if (hit) return { number: `${m[1]}-${m[2]}`, action, label, isPublic, text: rest.slice(hit[0].length).replace(/^[\s,，:：]+/, "").trim() };
  }
  return null;
}
