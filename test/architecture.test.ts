// The shape of src/: no import cycles, and no file too long to read in one sitting. Each rule has an explicit list
// of the exceptions in force today; the lists only shrink (an entry that no longer applies fails until removed).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

type Madge = (dir: string, config: { fileExtensions: string[]; tsConfig: string; excludeRegExp: RegExp[] }) => Promise<{ circular(): string[][] }>;
// madge ships no types of its own; this is the one call used here.
const madge = createRequire(import.meta.url)("madge") as Madge;

const ROOT = path.resolve(import.meta.dirname, "..");
const SRC = path.join(ROOT, "src");

/** Cycles allowed for now, as madge names them (paths from src/, joined with " > "). */
const ALLOWED_CYCLES: string[] = [];

const MAX_LINES = 400;
/** Files over MAX_LINES for now; each is being split by other work, and leaves this list when it is. */
const ALLOWED_LONG_FILES: string[] = [
];

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(ext))
    .map((d) => path.relative(ROOT, path.join(d.parentPath, d.name)).split(path.sep).join("/"));
}

/** Lines as wc -l counts them. */
function lineCount(file: string): number {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

describe("architecture", () => {
  it("has no import cycle in src/ beyond the allowed ones, and each allowed one still exists", async () => {
    const graph = await madge(SRC, { fileExtensions: ["ts"], tsConfig: path.join(ROOT, "tsconfig.json"), excludeRegExp: [/^generated\//] });
    const cycles = graph.circular().map((c) => c.join(" > "));
    expect(cycles.filter((c) => !ALLOWED_CYCLES.includes(c)), "new import cycles: move what both sides need down a level").toEqual([]);
    expect(ALLOWED_CYCLES.filter((c) => !cycles.includes(c)), "these cycles are gone: remove them from ALLOWED_CYCLES").toEqual([]);
  });

  it(`has no .ts file in src/ (but src/generated) nor .js file in src/web over ${MAX_LINES} lines beyond the allowed ones`, () => {
    const files = [...filesUnder(SRC, ".ts").filter((f) => !f.startsWith("src/generated/")), ...filesUnder(path.join(SRC, "web"), ".js")];
    expect(files.length).toBeGreaterThan(100);
    const long = files.filter((f) => lineCount(f) > MAX_LINES);
    expect(
      long.filter((f) => !ALLOWED_LONG_FILES.includes(f)).map((f) => `${f}: ${lineCount(f)} lines`),
      "new files over the limit: split them by what each part is for",
    ).toEqual([]);
    expect(ALLOWED_LONG_FILES.filter((f) => !long.includes(f)), "these files are within the limit now: remove them from ALLOWED_LONG_FILES").toEqual([]);
  });

  it("writes cases and their events only in src/cases/ (the action table, open.ts and the named records in records.ts)", () => {
    // The benchmark that fills a database with a million cases writes them in bulk on purpose.
    const exempt = ["src/cli/benchConsole.ts"];
    const write = /\.(case|caseEvent|caseCooperatingUnit)\.(create|createMany|update|updateMany|upsert|delete|deleteMany)\(/;
    const writers = filesUnder(SRC, ".ts")
      .filter((f) => !f.startsWith("src/generated/") && !f.startsWith("src/cases/") && !exempt.includes(f))
      .filter((f) => write.test(readFileSync(path.join(ROOT, f), "utf8")));
    expect(writers, "write to a case through CaseService.act, openCase or a named function in cases/records.ts").toEqual([]);
    expect(exempt.filter((f) => write.test(readFileSync(path.join(ROOT, f), "utf8"))), "exempt files that no longer write cases").toEqual(exempt);
  });
});
