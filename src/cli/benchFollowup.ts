// npm run bench:followup [-- --db sqlite|postgres --cases 100000,1000000 --due 0.01 | --due-jobs N --now ISO] — one
// follow-up pass (the scheduler's tick, then the outbox) on a fresh database of so many cases, a share of them with a
// job due, on a fake clock. One JSON line per size on stdout; progress, a summary and the growth from the smallest
// to the largest size on stderr: the tick should grow with the jobs due, not with the cases. See cli/benchFollowup/.
import { rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { BenchDatabases } from "./benchIntake/databases.ts";
import { fillDatabase } from "./benchFollowup/fill.ts";
import { measureTick, type TickFigures } from "./benchFollowup/measure.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

const optionsSchema = z
  .object({
    db: z.enum(["sqlite", "postgres"]).default("sqlite"),
    cases: z
      .string()
      .default("100000,1000000")
      .transform((v, ctx) => {
        const n = v.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
        if (n.some((x) => !Number.isInteger(x) || x < 100 || x > 20_000_000)) ctx.addIssue({ code: "custom", message: "whole numbers 100–20,000,000, comma-separated" });
        return n;
      }),
    due: z.coerce.number().gt(0).max(1).default(0.01),
    /** The same number of due jobs at every size instead of a share (the tick's cost with the cases alone growing). */
    dueJobs: z.coerce.number().int().min(1).optional(),
    now: z.coerce.date().default(new Date("2026-12-10T02:00:00Z")), // 10:00 on a working Thursday in China: no quiet hours
  })
  .refine((o) => !o.dueJobs || o.cases.every((c) => o.dueJobs! <= c), { message: "--due-jobs: at most the smallest --cases", path: ["dueJobs"] });

const { values } = parseArgs({ options: Object.fromEntries(["db", "cases", "due", "due-jobs", "now"].map((k) => [k, { type: "string" }])) });
const parsed = optionsSchema.safeParse({ ...values, dueJobs: values["due-jobs"] });
if (!parsed.success) {
  console.error(`bench:followup: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}`);
  process.exit(2);
}
const options = parsed.data;
const databases = new BenchDatabases(options.db, process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:55432/postgres");
const textsFile = path.resolve(ROOT, process.env.SHARED_DATASETS ?? "../shared/datasets", "appeals-dev.tsv");

interface Result extends TickFigures {
  engine: string;
  cases: number;
  due: number;
  jobRows: number;
  fillSeconds: number;
  msPerJob: number;
}

const results: Result[] = [];
const tty = Boolean(process.stderr.isTTY);
let failed = false;
try {
  for (const cases of options.cases) {
    const due = options.dueJobs ? options.dueJobs / cases : options.due;
    const database = await databases.fresh();
    console.error(`bench:followup: ${cases.toLocaleString("en")} cases on ${options.db} (${databases.describe()}), ${(due * 100).toPrecision(3)}% with a job due`);
    const filled = await fillDatabase({
      url: database.url,
      cases,
      due,
      now: options.now,
      textsFile,
      progress: (written, total) => {
        const line = `  filling: ${written.toLocaleString("en")} / ${total.toLocaleString("en")} cases`;
        process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      },
    });
    if (tty) process.stderr.write("\n");
    console.error(`  filled in ${(filled.ms / 1000).toFixed(1)} s: ${Object.entries(filled.rows).map(([t, n]) => `${n.toLocaleString("en")} ${t}`).join(", ")}`);
    const figures = await measureTick({ url: database.url, dataDir: database.dataDir, now: options.now });
    const result: Result = { engine: options.db, cases, due, jobRows: filled.rows.Job, fillSeconds: Math.round(filled.ms / 100) / 10, ...figures, msPerJob: Math.round((figures.tickMs / Math.max(1, figures.jobsRun)) * 100) / 100 };
    results.push(result);
    console.log(JSON.stringify(result));
    console.error(
      `  tick ${(result.tickMs / 1000).toFixed(2)} s for ${result.jobsRun} jobs (${result.msPerJob} ms a job; ${result.done} done, ${result.skipped} skipped, ${result.failed} failed)` +
        (result.statements === null ? "" : `, ${result.statements} statements`) +
        `; with nothing due: tick ${result.idleTickMs} ms, pass ${result.idlePassMs} ms; due query ${result.dueQueryMs} ms (raw ${result.rawDueQueryMs} ms): ${result.dueQueryPlan}`,
    );
    if (result.failed || result.dueAfter || result.jobsRun !== result.dueBefore) {
      failed = true;
      console.error(`  ✗ ${result.dueBefore} due before the tick, ${result.jobsRun} run, ${result.failed} failed, ${result.dueAfter} still due after it`);
    }
    if (result.seqScans) {
      // Small tables (the organisation, the reference data, tables this bench leaves empty) are read whole by design.
      const big = Object.keys(filled.rows).map((t) => `${t} ${result.seqScans![t] ?? 0}`);
      console.error(`  sequential scans during the pass on the tables the cases fill: ${big.join(", ")}; on all tables: ${JSON.stringify(result.seqScans)}`);
    }
    // SQLite: the file goes now (a million cases are some gigabytes); the rest with dropAll.
    if (options.db === "sqlite") rmSync(database.dataDir, { recursive: true, force: true });
  }
} catch (err) {
  failed = true;
  console.error(`bench:followup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await databases.dropAll();
}

if (results.length >= 2) {
  const [a, b] = [results[0], results[results.length - 1]];
  const ratio = (x: number, y: number) => (y > 0 ? Math.round((x / y) * 100) / 100 : null);
  const growth = {
    growth: `${a.cases} → ${b.cases} cases`,
    cases: ratio(b.cases, a.cases),
    dueJobs: ratio(b.jobsRun, a.jobsRun),
    tick: ratio(b.tickMs, a.tickMs),
    msPerJob: ratio(b.msPerJob, a.msPerJob),
    idleTick: ratio(b.idleTickMs, a.idleTickMs),
    dueQuery: ratio(b.dueQueryMs, a.dueQueryMs),
  };
  console.log(JSON.stringify(growth));
  console.error(
    `growth ${growth.growth}: cases ×${growth.cases}, due jobs ×${growth.dueJobs}, tick ×${growth.tick} ` +
      `(per job ×${growth.msPerJob}, tick with nothing due ×${growth.idleTick}, due query ×${growth.dueQuery})`,
  );
}
process.exit(failed ? 1 : 0);
