// What the intake benchmark sends and what it accepts as the answer, one entry per scenario. Each request is a
// message of its own (a new messageId and sender), with words from real residents' letters so the local
// classifier does real work; each answer is checked, and anything else is counted as an error with its reason.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** The default data's HTTP demo group (prisma/seed): a served group, @mention required. */
export const DEMO_GROUP = { chatId: "yangguang-owners", chatName: "阳光花园业主群" } as const;

export interface Scenario {
  name: string;
  /** The i-th request's body for POST /api/channels/http/messages. */
  message(i: number): Record<string, unknown>;
  /** A fresh checker per run (it may remember what it saw: the case numbers given). */
  checker(): Checker;
}

export interface Checker {
  /** null: a right answer to the i-th request; else why not (counted as an error). */
  (body: unknown, i?: number): string | null;
  /** Right answers worth a word (how many of each): a 同诉 join, an emergency in chatter. */
  notes: Map<string, number>;
}

function checker(check: (body: unknown, note: (what: string) => void) => string | null): Checker {
  const notes = new Map<string, number>();
  const note = (what: string) => void notes.set(what, (notes.get(what) ?? 0) + 1);
  return Object.assign((body: unknown) => check(body, note), { notes });
}

/** Letters from the shared dataset (appeals-dev.tsv: text<TAB>label), by path, never copied into the project. */
export function readLetters(datasetsDir: string): string[] {
  const file = path.join(datasetsDir, "appeals-dev.tsv");
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.split("\t")[0].trim())
    .filter(Boolean);
}

/**
 * Texts that differ from each other: every letter's first `size` characters, then every letter's next `size`
 * (when at least a tenth of a window is left), and so on; past the last window, smaller windows from the start
 * (so a long run still gets texts, though these repeat words seen before). No two of the windows are the same.
 */
export function textWindows(letters: string[], size: number): (i: number) => string {
  // A Set: the dataset holds some letters twice, and some that open alike.
  const unique = new Set<string>();
  for (let offset = 0; ; offset += size) {
    const before = unique.size;
    for (const letter of letters) if (letter.length - offset >= Math.ceil(size / 10)) unique.add(letter.slice(offset, offset + size));
    if (unique.size === before) break;
  }
  const windows = [...unique];
  return (i) => {
    const round = Math.floor(i / windows.length);
    const text = windows[i % windows.length];
    return round === 0 ? text : text.slice(0, Math.max(10, Math.floor(text.length / (round + 1))));
  };
}

const appealAnswer = z.object({
  // An emergency (the emergency rules' words) opens a case as well, with its own reply.
  outcome: z.enum(["appeal", "emergency"]),
  case: z.object({ number: z.string().min(1) }),
  replies: z.array(z.object({ chatId: z.string(), text: z.string().min(1) })).min(1),
});
const chatterAnswer = z.union([
  z.object({ outcome: z.literal("not_addressed"), replies: z.array(z.unknown()).length(0) }),
  // Emergency words are answered in a served group even when nobody asked the bot (the emergency rules).
  z.object({ outcome: z.literal("emergency"), case: z.object({ number: z.string().min(1) }), replies: z.array(z.unknown()).min(1) }),
]);

/** What a building's residents write when its power goes (the default list's 停电与供电故障). */
export const POWER_CUT = [
  "3号楼停电了，整栋楼都没电",
  "我们3号楼突然停电了，什么时候能来电",
  "3号楼又停电了，冰箱里的东西都要坏了",
  "3号楼整栋停电一个多小时了，有人管吗",
  "3号楼停电了，家里老人还在吸氧",
  "3号楼没电了，电梯也停了",
];

function problem(error: z.ZodError, body: unknown): string {
  const outcome = typeof body === "object" && body && "outcome" in body ? String((body as { outcome: unknown }).outcome) : "none";
  const issue = error.issues[0];
  return `answer: outcome ${outcome}, ${issue.path.join(".") || "body"}: ${issue.message}`;
}

/** Appeals answered with a case: a number this run has given before is noted as `again`, a new one as `first`. */
function caseNumbers(notes: { first?: string; again: string }): Checker {
  const numbers = new Set<string>();
  return checker((body, note) => {
    const parsed = appealAnswer.safeParse(body);
    if (!parsed.success) return problem(parsed.error, body);
    const seen = numbers.has(parsed.data.case.number);
    if (seen) note(notes.again);
    else if (notes.first) note(notes.first);
    numbers.add(parsed.data.case.number);
    return null;
  });
}

export function scenarios(letters: string[], runId: string): Record<string, Scenario> {
  const appealText = textWindows(letters, 400);
  // Group chatter is short: the openings of the letters.
  const chatterText = textWindows(letters, 40);
  const base = (kind: string, i: number) => ({ ...DEMO_GROUP, isGroup: true, messageId: `bench-${runId}-${kind}-${i}`, senderId: `bench-${runId}-${kind}-${i}`, senderName: "居民" });
  const all: Record<string, Scenario> = {
    appeals: {
      name: "appeals",
      message: (i) => ({ ...base("appeal", i), text: `@小民 ${appealText(i)}`, mentionsBot: true }),
      // Each appeal opens a case of its own, unless it is the same problem as an open one (同诉: the dataset holds
      // letters written twice, a little changed), which it joins: a number given again is counted and said (the
      // answer does not tell a join apart; test/same-problem.test.ts holds that only the same problem joins).
      checker: () => caseNumbers({ again: "joined an open case (同诉: a case number given again)" }),
    },
    chatter: {
      name: "chatter",
      message: (i) => ({ ...base("chatter", i), text: chatterText(i), mentionsBot: false }),
      checker: () =>
        checker((body, note) => {
          const parsed = chatterAnswer.safeParse(body);
          if (!parsed.success) return problem(parsed.error, body);
          if (parsed.data.outcome === "emergency") note("emergency words answered");
          return null;
        }),
    },
  };
  // A power cut: one building's residents all report it within minutes, in their own words; the first opens the
  // case and the others join it (同诉), each counted once. The same case number again is the right answer.
  all.burst = {
    name: "burst",
    message: (i) => ({ ...base("burst", i), text: `@小民 ${POWER_CUT[i % POWER_CUT.length]}`, mentionsBot: true }),
    checker: () => caseNumbers({ first: "opened a case", again: "joined the open case (同诉)" }),
  };
  // A busy day in the groups: one appeal to every nine messages of chatter, each checked as its kind.
  all.mixed = {
    name: "mixed",
    message: (i) => (i % 10 === 0 ? all.appeals.message(i / 10) : all.chatter.message(i - Math.floor(i / 10) - 1)),
    checker() {
      const appeal = all.appeals.checker();
      const chatter = all.chatter.checker();
      const check = (body: unknown, i = 0) => (i % 10 === 0 ? appeal(body) : chatter(body));
      return Object.assign(check, { get notes() { return new Map([...appeal.notes, ...chatter.notes]); } }) as Checker;
    },
  };
  return all;
}
