// The text files in prompts/ (reviewed in git): the classification and satisfaction prompts, and the reply
// templates in prompts/replies/. Every read of one goes through here.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const PROMPTS_DIR = path.resolve(import.meta.dirname, "../../prompts");

/** One file's text without trailing whitespace (`name` relative to `dir`). */
export function loadPromptFile(name: string, dir = PROMPTS_DIR): string {
  return readFileSync(path.join(dir, name), "utf8").trimEnd();
}

/** Every `.md` file in `dir`, by name without `.md`, in name order. */
export function loadPromptDir(dir: string): Map<string, string> {
  const texts = new Map<string, string>();
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith(".md")) texts.set(file.slice(0, -3), loadPromptFile(file, dir));
  }
  return texts;
}
