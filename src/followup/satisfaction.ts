// Reads a resident's answer to the satisfaction survey: local rules first (1/2/3, 满意/基本满意/不满意 and the
// usual ways of saying them); free text the rules cannot read goes to the LLM when one is configured.
import type OpenAI from "openai";
import { z } from "zod";
import { loadPromptFile } from "../texts/prompts.ts";
import type { Prisma } from "../db.ts";
import type { CaseService } from "../cases/service.ts";
import type { Replies } from "../texts/replies.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { SATISFACTION_LABELS } from "../domain/case.ts";
import { caseVars } from "../cases/presenters.ts";
import { reporterRated } from "../cases/join.ts";

export type Rating = "satisfied" | "basically_satisfied" | "dissatisfied";

/** The three answers a resident can give, worded as the case shows its satisfaction (SATISFACTION_LABELS). */
export const RATING_LABELS: Record<Rating, string> = {
  satisfied: SATISFACTION_LABELS.satisfied,
  basically_satisfied: SATISFACTION_LABELS.basically_satisfied,
  dissatisfied: SATISFACTION_LABELS.dissatisfied,
};

const DISSATISFIED = /不满意|不太满意|很不满|没(有)?解决|没修好|还没修|没人来|没处理|问题(还在|依旧)|还是(不行|老样子|坏的)|差评|太差/;
const BASIC = /基本满意|还行|还可以|一般|凑合|马马虎虎|差不多/;
const SATISFIED = /满意|很好|挺好|不错|好评|解决了|修好了|点赞|辛苦了|感谢|谢谢/;

/** The rating in a short answer, and whatever reason follows it; null when the rules cannot tell. */
export function readRating(text: string): { rating: Rating; reason: string } | null {
  const t = text.trim();
  const digit = /^[（(]?\s*([123１２３①②③])\s*[)）]?[.、。,，:：\s]*(.*)$/s.exec(t);
  if (digit) {
    const rating: Rating = "1１①".includes(digit[1]) ? "satisfied" : "2２②".includes(digit[1]) ? "basically_satisfied" : "dissatisfied";
    return { rating, reason: digit[2].trim() };
  }
  // "态度挺好，但是…" says two things: the rules do not guess, the LLM (or the resident, asked again) decides.
  if (/但是|但|不过|可是/.test(t) && t.length > 8 && !/^(不满意|基本满意|满意)/.test(t)) return null;
  if (DISSATISFIED.test(t)) return { rating: "dissatisfied", reason: t };
  if (BASIC.test(t)) return { rating: "basically_satisfied", reason: t };
  if (SATISFIED.test(t) && t.length <= 40) return { rating: "satisfied", reason: t };
  return null;
}

/** Whether a message says the problem is not solved (the resident reopening a case on their own). */
export function saysNotSolved(text: string): boolean {
  return /没(有)?解决|没修好|还没修好?|问题(还在|依旧)|还是(不行|老样子|坏的)/.test(text);
}

const llmAnswer = z.object({ rating: z.enum(["satisfied", "basically_satisfied", "dissatisfied", "unclear"]) });

export class SatisfactionReader {
  constructor(
    private readonly llm: { client: OpenAI; model: string } | null,
    /** The system prompt in force (prompts/satisfaction.system.md, or an administrator's version of it). */
    private readonly prompt: () => string = () => loadPromptFile("satisfaction.system.md"),
  ) {}

  /**
   * The rating in an answer. The LLM only chooses one of the four ratings, and it reads the answer masked (with
   * `names`, the sender's): the reason recorded is the resident's own words, never the model's.
   */
  async read(text: string, names: readonly (string | null | undefined)[] = []): Promise<{ rating: Rating; reason: string } | null> {
    const local = readRating(text);
    if (local || !this.llm) return local;
    try {
      const completion = await this.llm.client.chat.completions.create({
        model: this.llm.model,
        temperature: 0,
        response_format: { type: "json_object" },
        messages: [
          { role: "system", content: this.prompt() },
          { role: "user", content: redactPersonalData(text, names).slice(0, 2_000) },
        ],
      });
      const parsed = llmAnswer.safeParse(JSON.parse(completion.choices[0]?.message?.content ?? "{}"));
      if (!parsed.success || parsed.data.rating === "unclear") return null;
      return { rating: parsed.data.rating, reason: text.trim() };
    } catch {
      return null;
    }
  }
}

/**
 * Records a resident's rating of a case awaiting it, in the caller's transaction: 不满意 reopens it (重办), the others
 * close it. Whatever asked (the chat's survey question, the survey page) is answered. Returns the reply text.
 */
export async function recordSurveyAnswer(
  tx: Prisma.TransactionClient,
  deps: { cases: CaseService; replies: Replies },
  a: { caseId: number; rating: Rating; reason: string; actorId: string; now: Date },
) {
  // The case's own resident's question: residents who joined it (同诉) may still answer theirs.
  const owner = await tx.case.findUniqueOrThrow({ where: { id: a.caseId }, select: { resident: { select: { externalId: true } } } });
  await tx.pendingQuestion.updateMany({ where: { caseId: a.caseId, kind: "survey", answeredAt: null, senderId: owner.resident?.externalId ?? "" }, data: { answeredAt: a.now } });
  if (a.rating === "dissatisfied") {
    const kase = await deps.cases.act(a.caseId, { action: "reopen", actor: "resident", actorId: a.actorId, reason: `居民不满意：${a.reason || "未说明原因"}`, now: a.now }, tx);
    return { kase, answer: deps.replies.render("survey_reopened", caseVars(kase)) };
  }
  const kase = await deps.cases.act(a.caseId, { action: "evaluate_ok", actor: "resident", actorId: a.actorId, satisfaction: a.rating, reason: a.reason, now: a.now }, tx);
  return { kase, answer: deps.replies.render("survey_thanks", { case_number: kase.number, rating: RATING_LABELS[a.rating] }) };
}

/**
 * Records the rating of a resident who joined the case (同诉), in the caller's transaction: theirs alone (their
 * reporter row and the case's log), their survey question answered; the case goes on as its own resident says.
 * Whatever asked (their chat's question, their own survey link) is answered. Returns the reply text.
 */
export async function recordReporterAnswer(
  tx: Prisma.TransactionClient,
  deps: { replies: Replies },
  r: { id: number; caseId: number; channel: string; senderId: string },
  a: { rating: Rating; reason: string; now: Date },
) {
  await tx.pendingQuestion.updateMany({ where: { caseId: r.caseId, kind: "survey", answeredAt: null, channel: r.channel, senderId: r.senderId }, data: { answeredAt: a.now } });
  await reporterRated(tx, r, a);
  const kase = await tx.case.findUniqueOrThrow({ where: { id: r.caseId }, include: { matter: true, leadUnit: true } });
  return { kase, answer: deps.replies.render("same_problem_rated", { case_number: kase.number, rating: RATING_LABELS[a.rating] }) };
}
