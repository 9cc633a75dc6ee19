// {{placeholder}} filling, the one way every text with placeholders is read and rendered: reply texts, the
// classification prompt, the satisfaction prompt.
const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** The placeholders a text uses, in order of first use. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** The text with every placeholder filled; a placeholder without a value is an error, never left in the text. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!(name in vars)) throw new Error(`prompt placeholder {{${name}}} has no value`);
    return vars[name];
  });
}
