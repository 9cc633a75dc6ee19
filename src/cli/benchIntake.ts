// npm run bench:intake [-- --db postgres --requests N --concurrency N --instances 1,3 --scenarios appeals,chatter,mixed,burst
// --warmup N --memory N] — messages per second through the HTTP channel (POST /api/channels/http/messages) at a fixed
// concurrency, with one and with several service processes on one fresh database, and the same requests against
// bare Koa in the same run as the ceiling, both measured alike (three rounds on the same processes, the best
// counting). One JSON line per scenario × instance count on stdout; progress and a summary on stderr. --memory N
// then sends N mixed messages to one fresh instance and prints its resident memory at start, after 10,000 and after
// N (a line of its own). See cli/benchIntake/ for the scenarios, the processes, the databases and the load driver.
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { BenchDatabases } from "./benchIntake/databases.ts";
import { percentile, runLoad, type LoadResult } from "./benchIntake/load.ts";
import { serviceEnv, startBareKoa, startService, stopAll, type Instance } from "./benchIntake/processes.ts";
import { readLetters, scenarios, type Scenario } from "./benchIntake/scenarios.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ROUTE = "/api/channels/http/messages";

const counts = (what: string) =>
  z.string().transform((v, ctx) => {
    const n = v.split(",").map((s) => Number(s.trim()));
    if (n.some((x) => !Number.isInteger(x) || x < 1 || x > 16)) ctx.addIssue({ code: "custom", message: `${what}: whole numbers 1–16, comma-separated` });
    return n;
  });
const optionsSchema = z.object({
  db: z.enum(["sqlite", "postgres"]).default("sqlite"),
  requests: z.coerce.number().int().min(1).max(10_000_000).default(2000),
  concurrency: z.coerce.number().int().min(1).max(1000).default(20),
  warmup: z.coerce.number().int().min(0).max(100_000).default(100),
  instances: counts("--instances").default([1, 3]),
  scenarios: z.string().default("appeals,chatter,mixed,burst").transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean)),
  timeoutMs: z.coerce.number().int().min(100).default(60_000),
  memory: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
const { values } = parseArgs({
  options: Object.fromEntries(["db", "requests", "concurrency", "warmup", "instances", "scenarios", "timeout-ms", "memory"].map((k) => [k, { type: "string" }])),
});
const parsed = optionsSchema.safeParse({ ...values, timeoutMs: values["timeout-ms"] });
if (!parsed.success) {
  console.error(`bench:intake: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}`);
  process.exit(2);
}
const options = parsed.data;

const letters = readLetters(path.resolve(ROOT, process.env.SHARED_DATASETS ?? "../shared/datasets"));
const all = scenarios(letters, Date.now().toString(36));
const unknown = options.scenarios.filter((s) => !(s in all));
if (unknown.length) {
  console.error(`bench:intake: unknown scenario ${unknown.join(", ")} (known: ${Object.keys(all).join(", ")})`);
  process.exit(2);
}
const databases = new BenchDatabases(options.db, process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:55432/postgres");

/** Progress on stderr: one line rewritten on a terminal, a line every 5 s otherwise. */
function progress(label: string, total: number) {
  const tty = Boolean(process.stderr.isTTY);
  const started = performance.now();
  let last = 0;
  return {
    tick(done: number, errors: number) {
      const now = performance.now();
      if (now - last < (tty ? 500 : 5000) && done < total) return;
      last = now;
      const rate = done / ((now - started) / 1000);
      const line = `${label}: ${done}/${total} · ${rate.toFixed(1)}/s · errors ${errors}`;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
    end() {
      if (tty) process.stderr.write("\n");
    },
  };
}

interface Measured {
  result: LoadResult;
  /** Right answers worth a word, from the scenario's checker. */
  notes: Map<string, number>;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the processes measured (all instances), per message, in milliseconds. */
  cpuMsPerMessage: number;
  /** SQL statements sent, per message. */
  statementsPerMessage: number;
}

/** CPU milliseconds and statements of the instances, summed. */
async function figures(targets: Instance[]): Promise<{ cpuMs: number; statements: number }> {
  const stats = await Promise.all(targets.map((t) => t.stats()));
  return { cpuMs: stats.reduce((a, s) => a + (s.cpu.user + s.cpu.system) / 1000, 0), statements: stats.reduce((a, s) => a + s.statements, 0) };
}

/**
 * Warm-up, then the measured requests, numbered from `first` (after the warm-up's) so every message is new: the
 * rounds that follow on the same processes start where the last one ended.
 */
async function measure(label: string, targets: Instance[], scenario: Scenario, first = 0): Promise<Measured> {
  const check = scenario.checker();
  const plan = { targets: targets.map((t) => t.base), path: ROUTE, concurrency: options.concurrency, body: scenario.message, check, timeoutMs: options.timeoutMs };
  if (options.warmup) {
    const warm = await runLoad({ ...plan, first, count: options.warmup });
    if (warm.errors) console.error(`${label}: ${warm.errors} of ${options.warmup} warm-up requests failed (${[...warm.reasons.keys()].join("; ")})`);
  }
  const shown = progress(label, options.requests);
  const before = await figures(targets);
  const result = await runLoad({ ...plan, first: first + options.warmup, count: options.requests, progress: shown.tick });
  const after = await figures(targets);
  shown.end();
  // Right answers per second: a failed request does not count as served.
  const round = (x: number) => Math.round(x * 10) / 10;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return { result, notes: check.notes, perSecond: round((result.requests - result.errors) / result.seconds), p50Ms: round(percentile(result.latencies, 0.5)), p99Ms: round(percentile(result.latencies, 0.99)),
    cpuMsPerMessage: round2((after.cpuMs - before.cpuMs) / result.requests), statementsPerMessage: round((after.statements - before.statements) / result.requests) };
}

const summary: string[] = [];
let failed = 0;
let stopping: Instance[] = [];
const cleanUp = async () => {
  await stopAll(stopping);
  await databases.dropAll();
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\nbench:intake: ${signal}, stopping the instances and dropping the databases`);
    void cleanUp().finally(() => process.exit(130));
  });
}

console.error(
  `bench:intake on ${options.db} (${databases.describe()}): ${options.scenarios.join(", ")} × ${options.instances.join(", ")} instance(s), ` +
    `concurrency ${options.concurrency}, ${options.requests} requests after ${options.warmup} warm-up; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`,
);
/**
 * Rounds per scenario, the same for bare Koa and for the service, on the same processes: the best of each is the
 * figure. The first round of either runs while V8 is still compiling the hot code (the service's first round of
 * 3,000 chatter messages ran at half the rate of its second), and one round's rate moves with what else the two
 * cores do (the load driver shares them); measured alike, the ratio compares the two warm.
 */
const ROUNDS = 3;

/** The best of some rounds (by right answers per second). */
const best = (rounds: Measured[]) => rounds.reduce((a, r) => (r.perSecond > a.perSecond ? r : a));

/** One scenario at one instance count: bare Koa first, then the service on a fresh database; its JSON line. */
async function runOne(name: string, instances: number, bare: Instance[]): Promise<void> {
  const scenario = all[name];
  const tag = `${name} ×${instances}`;
  const rounds: Measured[] = [];
  for (let i = 1; i <= ROUNDS; i++) rounds.push(await measure(`${tag} bare Koa (${i}/${ROUNDS})`, bare, scenario));
  const ceiling = best(rounds);
  const database = await databases.fresh();
  console.error(`${tag}: starting ${instances} service process(es)…`);
  const service = await startService(instances, serviceEnv(database.url, database.dataDir));
  stopping = [...bare, ...service];
  const mine: Measured[] = [];
  try {
    for (let i = 1; i <= ROUNDS; i++) mine.push(await measure(`${tag} minhu (${i}/${ROUNDS})`, service, scenario, (i - 1) * (options.warmup + options.requests)));
  } finally {
    // What the service logged as warnings and errors, when requests failed, to say why.
    const problems = service.flatMap((s) => s.problems());
    await stopAll(service);
    stopping = [...bare];
    if (problems.length) console.error(`${tag}: the service's last warnings and errors:\n${problems.join("\n")}`);
  }
  const ours = best(mine);
  const ratio = Math.round((ours.perSecond / ceiling.perSecond) * 10_000) / 10_000;
  // Every round's failures count, not only the best round's.
  const errors = mine.reduce((n, r) => n + r.result.errors, 0);
  console.log(
    JSON.stringify({
      db: options.db,
      scenario: name,
      instances,
      concurrency: options.concurrency,
      requests: options.requests,
      perSecond: ours.perSecond,
      rounds: mine.map((r) => r.perSecond),
      p50Ms: ours.p50Ms,
      p99Ms: ours.p99Ms,
      errors,
      cpuMsPerMessage: ours.cpuMsPerMessage,
      statementsPerMessage: ours.statementsPerMessage,
      bareKoaPerSecond: ceiling.perSecond,
      bareKoaRounds: rounds.map((r) => r.perSecond),
      bareKoaP99Ms: ceiling.p99Ms,
      bareKoaCpuMsPerMessage: ceiling.cpuMsPerMessage,
      ratio,
    }),
  );
  failed += errors + rounds.reduce((n, r) => n + r.result.errors, 0);
  const reasons = counted([...mine.flatMap((r) => [...r.result.reasons]), ...rounds.flatMap((r) => [...r.result.reasons]).map(([r, n]) => [`bare Koa: ${r}`, n] as const)]);
  const retried = mine.reduce((n, r) => n + r.result.retried, 0);
  const notes = counted([...mine.flatMap((r) => [...r.notes]), ...(retried ? [[`sent again after the connection was reset`, retried] as const] : [])]);
  const line =
    `${name.padEnd(8)} ×${instances}  minhu ${ours.perSecond}/s (best of ${mine.map((r) => r.perSecond).join(", ")}), p50 ${ours.p50Ms} ms, p99 ${ours.p99Ms} ms, ${ours.cpuMsPerMessage} CPU ms and ${ours.statementsPerMessage} statements a message, errors ${errors}` +
    `  |  bare Koa ${ceiling.perSecond}/s (best of ${rounds.map((r) => r.perSecond).join(", ")}), p99 ${ceiling.p99Ms} ms, ${ceiling.cpuMsPerMessage} CPU ms  |  ${(ratio * 100).toFixed(2)}%` +
    `${reasons ? `\n           errors: ${reasons}` : ""}${notes ? `\n           answered: ${notes}` : ""}`;
  console.error(line);
  summary.push(line);
}

/** Counts of the same thing added up (reasons and notes, over rounds), as "3× why; 1× why else". */
function counted(pairs: Iterable<readonly [string, number]>): string {
  const sums = new Map<string, number>();
  for (const [k, n] of pairs) sums.set(k, (sums.get(k) ?? 0) + n);
  return [...sums].map(([r, n]) => `${n}× ${r}`).join("; ");
}

const MB = 1024 * 1024;
/** One fresh instance, `count` mixed messages; its memory at start, after 10,000 and at the end. */
async function runMemory(count: number): Promise<void> {
  const database = await databases.fresh();
  const [service] = await startService(1, serviceEnv(database.url, database.dataDir));
  stopping = [service];
  const scenario = all.mixed;
  const check = scenario.checker();
  const plan = { targets: [service.base], path: ROUTE, concurrency: options.concurrency, body: scenario.message, check, timeoutMs: options.timeoutMs };
  const samples: { after: number; rssMb: number; heapUsedMb: number; cachedAnswers: number | null }[] = [];
  const sample = async (after: number) => {
    const { memory, readCache } = await service.stats();
    samples.push({ after, rssMb: Math.round(memory.rss / MB), heapUsedMb: Math.round(memory.heapUsed / MB), cachedAnswers: readCache?.entries ?? null });
  };
  let errors = 0;
  const reasons: [string, number][] = [];
  try {
    await sample(0);
    const checkpoints = [...new Set([Math.min(10_000, count), count])];
    let sent = 0;
    for (const at of checkpoints) {
      const shown = progress(`memory ${sent}→${at}`, at - sent);
      const result = await runLoad({ ...plan, first: sent, count: at - sent, progress: shown.tick });
      shown.end();
      errors += result.errors;
      reasons.push(...result.reasons);
      sent = at;
      await sample(sent);
    }
  } finally {
    await stopAll([service]);
    stopping = [];
  }
  const [start, ...rest] = samples;
  const last = rest[rest.length - 1];
  const tenK = rest[0];
  const growth = tenK && last && tenK !== last ? Math.round(((last.rssMb - tenK.rssMb) / tenK.rssMb) * 1000) / 10 : 0;
  console.log(JSON.stringify({ db: options.db, scenario: "memory", messages: count, errors, samples, growthPercent: growth }));
  const line = `memory   ×1  RSS ${samples.map((s) => `${s.rssMb} MB after ${s.after}`).join(", ")} (heap ${last?.heapUsedMb ?? start.heapUsedMb} MB, ${last?.cachedAnswers ?? start.cachedAnswers ?? 0} cached answers); ${growth}% from 10,000 to ${count}; errors ${errors}${reasons.length ? ` (${counted(reasons)})` : ""}`;
  console.error(line);
  summary.push(line);
  failed += errors;
}

try {
  for (const instances of options.instances) {
    const bare = await startBareKoa(instances);
    stopping = [...bare];
    for (const name of options.scenarios) {
      try {
        await runOne(name, instances, bare);
      } catch (err) {
        // One run that cannot start is reported and the others still run.
        failed++;
        summary.push(`${name.padEnd(8)} ×${instances}  did not run: ${(err as Error).message.split("\n")[0]}`);
        console.error(`${name} ×${instances}: did not run: ${(err as Error).message}`);
      }
    }
    await stopAll(bare);
    stopping = [];
  }
  if (options.memory) await runMemory(options.memory);
} finally {
  await cleanUp();
}
console.error(`\nbench:intake on ${options.db}, concurrency ${options.concurrency}, ${options.requests} requests each:\n${summary.join("\n")}`);
if (failed) {
  console.error(`${failed} requests were not answered as expected, or runs did not run (see above)`);
  process.exitCode = 1;
}
