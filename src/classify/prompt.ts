// Prompt texts live in prompts/ as files with {{placeholders}}. The static part (instructions and the list, in code
// order) goes first so providers can cache it; the appeal goes last.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Catalogue } from "./catalogue.ts";

export const PROMPTS_DIR = path.resolve(import.meta.dirname, "../../prompts");

export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_match, name: string) => {
    if (!(name in vars)) throw new Error(`prompt placeholder {{${name}}} has no value`);
    return vars[name];
  });
}

export function loadPromptFile(name: string, dir = PROMPTS_DIR): string {
  return readFileSync(path.join(dir, name), "utf8").trimEnd();
}

export function renderMatterList(catalogue: Catalogue): string {
  return catalogue.matters
    .map((m) =>
      [m.code, m.name, m.category, m.leadUnit?.name ?? "未指定", m.keywords.join("、"), m.description].join("｜"),
    )
    .join("\n");
}

export interface ClassifyPrompts {
  system: string;
  user: string;
}

export function loadClassifyPrompts(dir = PROMPTS_DIR): ClassifyPrompts {
  return { system: loadPromptFile("classify.system.md", dir), user: loadPromptFile("classify.user.md", dir) };
}

/** The chat messages for one appeal. The system message depends only on the list, so it is byte-identical across calls. */
export function buildClassifyMessages(prompts: ClassifyPrompts, catalogue: Catalogue, vars: { botName: string; appeal: string; context: string }) {
  return [
    { role: "system" as const, content: renderTemplate(prompts.system, { bot_name: vars.botName, matters: renderMatterList(catalogue) }) },
    { role: "user" as const, content: renderTemplate(prompts.user, { appeal: vars.appeal, context: vars.context }) },
  ];
}
