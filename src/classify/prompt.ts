// The classification prompt: files in prompts/ with {{placeholders}} (read and filled by texts/). The static part
// (instructions and the list, in code order, and the questions the model may choose) goes first so providers can
// cache it; the appeal goes last. Everything a resident wrote is masked here, in the one function that builds what
// is sent: the appeal, its context and the similar confirmed cases.
import type { Catalogue, MatterInfo } from "./catalogue.ts";
import { renderQuestionList } from "./questions.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { loadPromptFile, PROMPTS_DIR } from "../texts/prompts.ts";
import { placeholdersOf, renderTemplate } from "../texts/template.ts";

/** Lists up to this size go whole into the (cacheable) system message; larger ones send candidates per appeal. */
export const FULL_LIST_MAX = 60;
/** Candidates sent for a large list: the local classifier's best guesses, so the prompt's size stays put. */
export const CANDIDATES = 30;

// The lead as the list names it (a role of the territorial list reads as one: "小区物业"); the model chooses the matter only.
const matterLine = (m: MatterInfo) => [m.code, m.name, m.category, m.leadUnit?.name ?? m.leadRole?.name ?? "未指定", m.keywords.join("、"), m.description].join("｜");

export function renderMatterList(catalogue: Catalogue): string {
  if (catalogue.matters.length > FULL_LIST_MAX) return `（清单共 ${catalogue.matters.length} 项，每条诉求附有最相关的候选事项，请从候选中选择）`;
  return catalogue.matters.map(matterLine).join("\n");
}

function renderCandidates(catalogue: Catalogue, candidates: string[] | undefined): string {
  if (catalogue.matters.length <= FULL_LIST_MAX) return "";
  const chosen = (candidates ?? []).map((c) => catalogue.byCode.get(c)).filter((m): m is MatterInfo => Boolean(m)).slice(0, CANDIDATES);
  const list = chosen.length ? chosen : catalogue.matters.slice(0, CANDIDATES);
  return `候选事项（编码｜事项｜类别｜主责单位｜关键词｜说明）：\n${list.map(matterLine).join("\n")}\n`;
}

function renderExamples(examples: { text: string; code: string }[] | undefined, catalogue: Catalogue): string {
  if (!examples?.length) return "";
  // Stored examples are masked already (LearningStore); masking again here costs little and covers any other source.
  const lines = examples.slice(0, 3).map((e) => `- ${redactPersonalData(e.text.replace(/\s+/g, " ")).slice(0, 80)} → ${e.code} ${catalogue.byCode.get(e.code)?.name ?? ""}`);
  return `相似的已确认诉求：\n${lines.join("\n")}\n`;
}

export interface ClassifyPrompts {
  system: string;
  user: string;
  /** The stored version these texts are (PromptVersion.id); absent for the files themselves. */
  versionId?: number;
}

/** The placeholders each part may use; the appeal and the list must be there. */
export const PROMPT_PLACEHOLDERS = {
  system: { allowed: ["bot_name", "matters", "questions"], required: ["matters"] },
  user: { allowed: ["appeal", "context", "candidates", "examples"], required: ["appeal"] },
} as const;

/** Problems with a prompt's placeholders, in Chinese, for the person editing it; empty when it is fine. */
export function checkPlaceholders(part: keyof typeof PROMPT_PLACEHOLDERS, text: string): string[] {
  const used = placeholdersOf(text);
  const rule = PROMPT_PLACEHOLDERS[part];
  const allowed: readonly string[] = rule.allowed;
  return [
    ...used.filter((u) => !allowed.includes(u)).map((u) => `未知的占位符 {{${u}}}（可用：${rule.allowed.map((a) => `{{${a}}}`).join("、")}）`),
    ...rule.required.filter((r) => !used.includes(r)).map((r) => `缺少占位符 {{${r}}}`),
  ];
}

export function loadClassifyPrompts(dir = PROMPTS_DIR): ClassifyPrompts {
  return { system: loadPromptFile("classify.system.md", dir), user: loadPromptFile("classify.user.md", dir) };
}

/**
 * A prompt written before the question catalogue (an administrator's older version) has no {{questions}}: the
 * catalogue is added after it, so the model still knows the only codes it may name.
 */
const QUESTIONS_APPENDIX = "\n\nmissing_info 只能从下列问题编码中选择（编码｜含义），最多 2 个，不缺就填空数组，不要写其他文字：\n{{questions}}";

/**
 * The chat messages for one appeal. The system message depends only on the list, so it is byte-identical across
 * calls (a cacheable prefix); candidates for a large list, similar confirmed cases and the appeal come after it.
 * The appeal, its context and the examples are masked (phones, ID and bank card numbers, plates, rooms, and
 * `names`: the sender's own name).
 */
export function buildClassifyMessages(
  prompts: ClassifyPrompts,
  catalogue: Catalogue,
  vars: { botName: string; appeal: string; context: string; names?: readonly (string | null | undefined)[]; candidates?: string[]; examples?: { text: string; code: string }[] },
) {
  const system = placeholdersOf(prompts.system).includes("questions") ? prompts.system : prompts.system + QUESTIONS_APPENDIX;
  const names = vars.names ?? [];
  return [
    { role: "system" as const, content: renderTemplate(system, { bot_name: vars.botName, matters: renderMatterList(catalogue), questions: renderQuestionList() }) },
    {
      role: "user" as const,
      content: renderTemplate(prompts.user, {
        appeal: redactPersonalData(vars.appeal, names),
        context: redactPersonalData(vars.context, names),
        candidates: renderCandidates(catalogue, vars.candidates),
        examples: renderExamples(vars.examples, catalogue),
      }),
    },
  ];
}
