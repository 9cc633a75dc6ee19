// The questions the bot may ask after an appeal, by code. The model chooses codes from this catalogue, never
// words: residents read the service's own text for each code, prompts/replies/question_<code>.md (administrators
// may replace it like any reply text). The codes live in code because the answer schema, the strict JSON schema
// and stored questions (PendingQuestion.asked, Case.missingInfo) all refer to them.

export const QUESTION_CODES = ["location", "time", "extent", "frequency", "photo", "target"] as const;
export type QuestionCode = (typeof QUESTION_CODES)[number];

/** What each code asks for, as the model reads it in the classification prompt ({{questions}}). */
export const QUESTION_HINTS: Record<QuestionCode, string> = {
  location: "具体位置：楼栋、单元、路口或地标",
  time: "发生时间：什么时候开始或发生的",
  extent: "影响范围：影响几户、整栋楼还是整个小区",
  frequency: "持续多久、多久出现一次",
  photo: "现场照片",
  target: "具体对象：店铺名称、设施编号等",
};

/** At most this many questions are asked after one appeal. */
export const MAX_QUESTIONS = 2;

const known = new Set<string>(QUESTION_CODES);

/** The known codes in a model's (or anyone's) list, once each, in order, at most MAX_QUESTIONS; the rest dropped. */
export function knownQuestions(value: unknown): QuestionCode[] {
  if (!Array.isArray(value)) return [];
  const codes = value.filter((v): v is string => typeof v === "string").map((v) => v.trim().toLowerCase());
  return [...new Set(codes.filter((c) => known.has(c)))].slice(0, MAX_QUESTIONS) as QuestionCode[];
}

/** The catalogue as the prompt lists it: one `code｜what it asks for` a line. */
export function renderQuestionList(): string {
  return QUESTION_CODES.map((c) => `${c}｜${QUESTION_HINTS[c]}`).join("\n");
}
