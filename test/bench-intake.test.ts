// npm run bench:intake: a tiny run (40 appeals, one instance) prints its JSON line with every request answered and
// leaves nothing behind; the scenarios' checks catch a wrong answer. No timing is asserted: figures are printed.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { POWER_CUT, readLetters, scenarios, textWindows } from "../src/cli/benchIntake/scenarios.ts";
import { testPostgresUrl } from "./helpers/database.ts";
import { fromRoot, ROOT } from "./helpers/paths.ts";

const line = z.strictObject({
  db: z.enum(["sqlite", "postgres"]),
  scenario: z.string(),
  instances: z.number().int(),
  concurrency: z.number().int(),
  requests: z.number().int(),
  perSecond: z.number().positive(),
  // The service's rounds, measured as bare Koa's are (its best is the figure).
  rounds: z.array(z.number().positive()).length(3),
  p50Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  errors: z.number().int(),
  // Read from the service over its IPC channel: an appeal costs CPU and statements, counted by the service itself.
  cpuMsPerMessage: z.number().positive(),
  statementsPerMessage: z.number().positive(),
  bareKoaPerSecond: z.number().positive(),
  // Bare Koa's rounds (its best is the ceiling).
  bareKoaRounds: z.array(z.number().positive()).length(3),
  bareKoaP99Ms: z.number().nonnegative(),
  bareKoaCpuMsPerMessage: z.number().positive(),
  ratio: z.number().positive(),
});
const letters = readLetters(fromRoot("../shared/datasets"));

describe("npm run bench:intake", () => {
  it("runs 40 appeals through one service process and bare Koa, every one answered with a case, and cleans up", async () => {
    // On the suite's PostgreSQL run (TEST_POSTGRES_URL), the bench's PostgreSQL path is the one checked.
    const server = testPostgresUrl();
    const args = ["--import", "tsx", "src/cli/benchIntake.ts", "--requests", "40", "--warmup", "5", "--instances", "1", "--scenarios", "appeals", ...(server ? ["--db", "postgres"] : [])];
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...(server ? { BENCH_POSTGRES_URL: server } : {}) }, timeout: 100_000 });
    const lines = stdout.trim().split("\n").map((l) => line.parse(JSON.parse(l)));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ db: server ? "postgres" : "sqlite", scenario: "appeals", instances: 1, concurrency: 20, requests: 40, errors: 0 });
    expect(lines[0].bareKoaPerSecond).toBe(Math.max(...lines[0].bareKoaRounds));
    expect(lines[0].perSecond).toBe(Math.max(...lines[0].rounds));
    expect(stderr).toContain("appeals  ×1  minhu");
    // Its own SQLite folder is gone (on PostgreSQL the databases are dropped: the suite's teardown lists what is left).
    const dir = /on sqlite \(([^)]+)\)/.exec(stderr)?.[1];
    if (!server) expect(dir && existsSync(dir)).toBe(false);
  }, 120_000);

  it("sends a building's power cut as a burst of residents that join one case (同诉), not one case each", async () => {
    const server = testPostgresUrl();
    const args = ["--import", "tsx", "src/cli/benchIntake.ts", "--requests", "40", "--warmup", "5", "--instances", "1", "--scenarios", "burst", ...(server ? ["--db", "postgres"] : [])];
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...(server ? { BENCH_POSTGRES_URL: server } : {}) }, timeout: 100_000 });
    expect(line.parse(JSON.parse(stdout.trim()))).toMatchObject({ scenario: "burst", errors: 0 });
    // Three rounds of 45 on one database, each checked afresh: a round's first answer from each case counts as
    // "opened". Which wording opens the case depends on the order the twenty at once are served in, and a wording
    // too unlike it opens its own (one that names the lift may be filed under it): at most one case per wording
    // and round, every other answer a number given before.
    const opened = Number(/(\d+)× opened a case/.exec(stderr)?.[1]);
    const joined = Number(/(\d+)× joined the open case/.exec(stderr)?.[1]);
    expect(opened + joined).toBe(3 * 45);
    expect(opened).toBeLessThanOrEqual(3 * POWER_CUT.length);
    const messages = Array.from({ length: 12 }, (_, i) => scenarios(letters, "t").burst.message(i));
    expect(new Set(messages.map((m) => m.senderId)).size).toBe(12);
  }, 120_000);

  it("counts as errors an appeal answered without a case and chatter answered; says how many joined an open case", () => {
    const { appeals, chatter } = scenarios(letters, "t");
    const check = appeals.checker();
    const answer = (number: string) => ({ outcome: "appeal", case: { number }, replies: [{ chatId: "yangguang-owners", text: "已受理" }] });
    expect(check(answer("2026-000001"))).toBeNull();
    expect(check(answer("2026-000002"))).toBeNull();
    // The same problem joining an open case (同诉) is a right answer, and said.
    expect(check(answer("2026-000001"))).toBeNull();
    expect([...check.notes]).toEqual([["joined an open case (同诉: a case number given again)", 1]]);
    expect(check({ outcome: "appeal", replies: [{ chatId: "yangguang-owners", text: "已受理" }] })).toMatch(/^answer: outcome appeal, case: /);
    expect(check({ outcome: "chat", replies: [{ chatId: "yangguang-owners", text: "您好" }] })).toMatch(/^answer: outcome chat, /);
    // A new checker for a new run: numbers are remembered per run only.
    const again = appeals.checker();
    again(answer("2026-000001"));
    expect(again.notes.size).toBe(0);
    const quiet = chatter.checker();
    expect(quiet({ outcome: "not_addressed", replies: [] })).toBeNull();
    expect(quiet({ outcome: "not_addressed", replies: [{ chatId: "x", text: "您好" }] })).toMatch(/^answer: outcome not_addressed/);
    expect(quiet({ outcome: "appeal", case: { number: "2026-000003" }, replies: [{ chatId: "x", text: "已受理" }] })).toMatch(/^answer: outcome appeal/);
    // Emergency words are answered even when nobody asked the bot.
    expect(quiet({ outcome: "emergency", case: { number: "2026-000004" }, replies: [{ chatId: "x", text: "已通知" }] })).toBeNull();
    expect([...quiet.notes]).toEqual([["emergency words answered", 1]]);
  });

  it("sends each request as a new message from a new resident, with texts that differ", () => {
    const { appeals, chatter } = scenarios(letters, "t");
    const messages = Array.from({ length: 3000 }, (_, i) => appeals.message(i));
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(3000);
    expect(new Set(messages.map((m) => m.senderId)).size).toBe(3000);
    expect(new Set(messages.map((m) => m.text)).size).toBe(3000);
    expect(messages[0]).toMatchObject({ chatId: "yangguang-owners", isGroup: true, mentionsBot: true });
    expect(chatter.message(0)).toMatchObject({ chatId: "yangguang-owners", isGroup: true, mentionsBot: false });
    expect(chatter.message(0).messageId).not.toBe(messages[0].messageId);
    // Windows of one letter: its first 400 characters, then the next.
    const next = textWindows(["甲".repeat(400) + "乙".repeat(100), "丙".repeat(50)], 400);
    expect([0, 1, 2].map(next)).toEqual(["甲".repeat(400), "丙".repeat(50), "乙".repeat(100)]);
  });
});
