// What the bot says, from the templates in prompts/replies/*.md (administrators' text, not code).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PROMPTS_DIR, renderTemplate } from "../classify/prompt.ts";

export class Replies {
  private readonly templates = new Map<string, string>();

  constructor(dir = path.join(PROMPTS_DIR, "replies")) {
    for (const file of readdirSync(dir)) {
      if (file.endsWith(".md")) this.templates.set(file.slice(0, -3), readFileSync(path.join(dir, file), "utf8").trim());
    }
  }

  render(name: string, vars: Record<string, string> = {}): string {
    const template = this.templates.get(name);
    if (template === undefined) throw new Error(`reply template ${name}.md is missing`);
    return renderTemplate(template, vars)
      .split("\n")
      .filter((line) => line.trim() !== "")
      .join("\n");
  }
}
