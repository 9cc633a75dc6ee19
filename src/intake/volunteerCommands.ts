// Volunteers and 党员中心户 act from their own chats: "认领 2026-000123", "完成 2026-000123 已帮忙买菜 1.5小时",
// "我的任务" (claimed, not yet done), "我的时长" (this month, China time);
// "走访 2026-000123 已上门了解情况", "备注 2026-000123 …". They are residents too: anything else they write goes on as
// a resident's message. What they may see and do is the one policy's (cases/access.ts helperCases).
import { z } from "zod";
import type { Db } from "../db.ts";
import type { CaseService } from "../cases/service.ts";
import type { SettingsStore } from "../settings.ts";
import type { Replies } from "../texts/replies.ts";
import { CASE_NUMBER_PATTERN } from "../domain/case.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { claimedTasks, claimTask, completeTask, hoursSchema } from "../volunteers/tasks.ts";
import { chinaMonth, volunteerMonth } from "../volunteers/ranking.ts";
import { addHouseholdNote } from "../volunteers/households.ts";
import type { Responder } from "./respond.ts";
import type { IntakeResult, Row } from "./types.ts";

export interface HelperCommandDeps {
  db: Db;
  replies: Replies;
  cases: CaseService;
  runtimeSettings: SettingsStore;
  out: Responder;
}

const commandSchema = z.object({
  verb: z.enum(["认领", "完成", "走访", "备注"]),
  number: z.string().regex(new RegExp(`^${CASE_NUMBER_PATTERN.source}$`)),
  rest: z.string().max(500),
});
type HelperCommand = z.infer<typeof commandSchema>;

/** "认领 2026-000123 …" → the verb, the case and the rest; null for anything else. */
export function parseHelperCommand(text: string): HelperCommand | null {
  const m = new RegExp(`^\\s*(认领|完成|走访|备注)[\\s,，:：]*${CASE_NUMBER_PATTERN.source}[\\s,，:：]*(.*)$`, "s").exec(text);
  if (!m) return null;
  const parsed = commandSchema.safeParse({ verb: m[1], number: `${m[2]}-${m[3]}`, rest: m[4].trim().slice(0, 500) });
  return parsed.success ? parsed.data : null;
}

/** "已帮忙买菜 1.5小时" → the result and the hours (null when not said). */
export function splitHours(rest: string): { result: string; hours: number | null; problem?: string } {
  const m = /(\d+(?:\.\d+)?)\s*个?(?:小时|钟头|h\b|H\b)/.exec(rest);
  if (!m) return { result: rest, hours: null };
  const hours = hoursSchema.safeParse(Number(m[1]));
  const result = (rest.slice(0, m.index) + rest.slice(m.index + m[0].length)).replace(/[\s,，。;；]+$/, "").trim();
  return hours.success ? { result, hours: hours.data } : { result, hours: null, problem: hours.error.issues[0].message };
}

/** A volunteer's or a 党员中心户's command in their own chat; null when the message is not one (a resident's message). */
export async function handleHelperCommand(h: HelperCommandDeps, row: Row, now: Date): Promise<IntakeResult | null> {
  if (row.isGroup) return null;
  const command = parseHelperCommand(row.text);
  const where = { channel: row.channel, address: row.chatId, active: true as const };
  const own = /^\s*我的(任务|时长)\s*[?？。!！]?\s*$/.exec(row.text)?.[1];
  if (own) return ownAccount(h, row, now, where, own === "任务" ? "tasks" : "hours");
  if (!command) return helpFor(h, row, now, where);
  const actorId = `${row.channel}:${row.senderId}`;
  const respond = (text: string, caseId?: number) => h.out.answer(h.db, row, now, "volunteer_command", text, caseId);
  const error = (message: string, caseId?: number) => respond(h.replies.render("volunteer_command_error", { error: message }), caseId);

  if (command.verb === "认领" || command.verb === "完成") {
    const volunteer = await h.db.volunteer.findFirst({ where, orderBy: { id: "asc" } });
    if (!volunteer) return null;
    if (command.verb === "认领") {
      const claimed = await claimTask(h, volunteer, command.number, actorId, now);
      if (!claimed.ok) return error(claimed.message, claimed.caseId);
      const kase = await h.db.case.findUniqueOrThrow({ where: { id: claimed.caseId }, include: { matter: true } });
      // The claimer gets what they need to help: the appeal and its place (masked as every helper's message is).
      const text = h.replies.render("volunteer_claim_ok", { case_number: kase.number, matter_name: kase.matter?.name ?? "待确认事项", appeal: redactPersonalData(kase.text), location: redactPersonalData(kase.location ?? "未说明") });
      return respond(text, kase.id);
    }
    const { result, hours, problem } = splitHours(command.rest);
    if (problem) return error(problem);
    const completed = await completeTask(h, volunteer, { number: command.number, result, hours, actorId, now });
    if (!completed.ok) return error(completed.message, completed.caseId);
    return respond(h.replies.render("volunteer_done_ok", { case_number: completed.number, hours: hours === null ? "未填写" : String(hours) }), completed.caseId);
  }

  const household = await h.db.partyHousehold.findFirst({ where, orderBy: { id: "asc" } });
  if (!household) return null;
  const noted = await addHouseholdNote(h, household.id, { number: command.number, text: command.rest, visit: command.verb === "走访", actorId, now });
  if (!noted.ok) return error(noted.message, noted.caseId);
  return respond(h.replies.render("household_note_ok", { case_number: noted.number, what: command.verb === "走访" ? "已记录走访" : "已备注" }), noted.caseId);
}

/** "我的任务" / "我的时长" from a volunteer: their claimed tasks, or this month's count and hours. Anyone else: null. */
async function ownAccount(h: HelperCommandDeps, row: Row, now: Date, where: { channel: string; address: string; active: true }, what: "tasks" | "hours"): Promise<IntakeResult | null> {
  const volunteer = await h.db.volunteer.findFirst({ where, orderBy: { id: "asc" } });
  if (!volunteer) return null;
  const answer = (text: string) => h.out.answer(h.db, row, now, "volunteer_command", text);
  if (what === "hours") {
    const month = chinaMonth(now);
    const { tasks, hours } = await volunteerMonth(h.db, volunteer.id, month);
    return answer(h.replies.render("volunteer_my_hours", { month: `${Number(month.slice(0, 4))}年${Number(month.slice(5))}月`, count: String(tasks), hours: String(hours) }));
  }
  const tasks = await claimedTasks(h.db, volunteer.id);
  if (!tasks.length) return answer(h.replies.render("volunteer_no_tasks"));
  // What the claim's answer showed them, masked the same way.
  const lines = tasks.map((t) => `${t.case.number} ${t.case.matter?.name ?? "待确认事项"}（${redactPersonalData(t.case.location ?? "地点未说明")}）`);
  return answer(h.replies.render("volunteer_my_tasks", { count: String(tasks.length), tasks: lines.join("\n") }));
}

/** "认领" or "走访" without a case number from a volunteer or a household: how to write it. Anything else: null. */
async function helpFor(h: HelperCommandDeps, row: Row, now: Date, where: { channel: string; address: string; active: true }): Promise<IntakeResult | null> {
  const verb = /^\s*(认领|完成|走访|备注)/.exec(row.text)?.[1];
  if (!verb) return null;
  const volunteerVerb = verb === "认领" || verb === "完成";
  const known = volunteerVerb ? await h.db.volunteer.findFirst({ where }) : await h.db.partyHousehold.findFirst({ where });
  if (!known) return null;
  return h.out.answer(h.db, row, now, "volunteer_command", h.replies.render(volunteerVerb ? "volunteer_command_help" : "household_help"));
}
