// What the bot says: the templates in prompts/replies/*.md are the defaults (reviewed in git; so is the
// satisfaction survey's LLM prompt, prompts/satisfaction.system.md, kept here as satisfaction_prompt); an administrator's
// active version of a text (ReplyVersion) is used instead. Rendering is synchronous, so the versions are held in
// memory: refreshed from the database at most every 10 seconds (another process may have changed one), and at
// once in the process where an administrator saves. The questions asked after an appeal are texts too, one per
// code of the catalogue (prompts/replies/question_<code>.md): the model only names the codes.
import path from "node:path";
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";
import { loadPromptDir, loadPromptFile, PROMPTS_DIR } from "./prompts.ts";
import { placeholdersOf, renderTemplate } from "./template.ts";
import { QUESTION_CODES, type QuestionCode } from "../classify/questions.ts";

const CHECK_MS = 10_000;

export class Replies {
  private readonly defaults = new Map<string, string>();
  private overrides = new Map<string, string>();
  private checkedAt = 0;

  constructor(
    dir = path.join(PROMPTS_DIR, "replies"),
    private readonly log?: Logger,
    /** Other texts kept the same way (key → file in prompts/): the satisfaction survey's LLM prompt. */
    extra: Record<string, string> = { satisfaction_prompt: "satisfaction.system.md" },
  ) {
    for (const [key, text] of loadPromptDir(dir)) this.defaults.set(key, text.trim());
    for (const [key, file] of Object.entries(extra)) this.defaults.set(key, loadPromptFile(file).trim());
    const unworded = QUESTION_CODES.filter((c) => !this.defaults.has(`question_${c}`));
    if (unworded.length) throw new Error(`reply templates missing for questions: ${unworded.map((c) => `question_${c}.md`).join(", ")}`);
  }

  /** Every text's key, in file order. */
  get keys(): string[] {
    return [...this.defaults.keys()];
  }

  defaultText(key: string): string | undefined {
    return this.defaults.get(key);
  }

  /** The text in use: the administrator's version, or the file. */
  text(key: string): string | undefined {
    return this.overrides.get(key) ?? this.defaults.get(key);
  }

  /** Problems with a proposed text, in Chinese; it may use only the placeholders its default uses. */
  check(key: string, text: string): string[] {
    const def = this.defaults.get(key);
    if (def === undefined) return [`没有回复文案 ${key}`];
    const allowed = placeholdersOf(def);
    const problems = placeholdersOf(text)
      .filter((p) => !allowed.includes(p))
      .map((p) => `不能使用占位符 {{${p}}}（可用：${allowed.map((a) => `{{${a}}}`).join("、") || "无"}）`);
    if (!text.trim()) problems.push("文案不能为空");
    return problems;
  }

  /** Reads the active versions again when the last read is older than 10 seconds. */
  async fresh(db: Db): Promise<void> {
    if (Date.now() - this.checkedAt < CHECK_MS) return;
    this.checkedAt = Date.now();
    const rows = await db.replyVersion.findMany({ where: { active: true }, select: { key: true, text: true } });
    this.overrides = new Map(rows.filter((r) => this.defaults.has(r.key) && r.text !== this.defaults.get(r.key)).map((r) => [r.key, r.text]));
  }

  /** Takes a saved version into use in this process at once (null: back to the file). */
  use(key: string, text: string | null) {
    if (text === null || text === this.defaults.get(key)) this.overrides.delete(key);
    else this.overrides.set(key, text);
  }

  /** The service's wording of the questions with these codes, as one phrase (具体位置…、发生时间…). */
  questions(codes: readonly QuestionCode[]): string {
    return codes.map((c) => this.render(`question_${c}`).replace(/\s+/g, " ")).join("、");
  }

  render(name: string, vars: Record<string, string> = {}): string {
    const def = this.defaults.get(name);
    if (def === undefined) throw new Error(`reply template ${name}.md is missing`);
    const override = this.overrides.get(name);
    let text: string;
    try {
      text = renderTemplate(override ?? def, vars);
    } catch (err) {
      // A saved version is checked against its default's placeholders; should one still not render, the file's
      // text is said rather than nothing.
      if (override === undefined) throw err;
      this.log?.error({ key: name, err: (err as Error).message }, "an administrator's reply text did not render; using the default");
      text = renderTemplate(def, vars);
    }
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .join("\n");
  }
}
