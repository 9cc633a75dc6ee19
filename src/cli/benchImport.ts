// npm run bench:import — what importing a 5,000-row responsibility list (ROWS=…) costs the running service: the
// console's preview (read the file in the worker thread + plan against the list) of a CSV and an XLSX, the longest
// the event loop stood still meanwhile (perf_hooks monitorEventLoopDelay), and how long a resident's message to
// the HTTP channel took while the import was under way, beside the same message with nothing else running (the
// ceiling), all in this run. Then the planning step alone (loadList + planImport), and the apply.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { createServices } from "../services.ts";
import { createApp } from "../app.ts";
import { createUser } from "../auth/users.ts";
import { readMatterFile, readMatterFileHere } from "../responsibility/parse.ts";
import { loadList, planImport } from "../responsibility/versions.ts";
import { csvOf, sampleRows, xlsxOf } from "./sampleList.ts";

const ROWS = Number(process.env.ROWS ?? 5000);

const dir = mkdtempSync(path.join(os.tmpdir(), "minhu-bench-"));
const url = `file:${path.join(dir, "bench.db")}`;
execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
const config = loadConfig({ ...process.env, NODE_ENV: "test", DATABASE_URL: url, LOG_LEVEL: "silent", SCHEDULER_ENABLED: "false", HTTP_CHANNEL_TOKEN: "" });
const services = await createServices(config, createLogger("silent", false));
const server = createApp(services).listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

await createUser(services.db, { username: "bench-admin", displayName: "压测管理员", role: "admin", password: "bench-admin-pass" });
const login = await fetch(`${base}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "bench-admin", password: "bench-admin-pass" }) });
const session = { cookie: login.headers.get("set-cookie")!.split(";")[0], csrf: ((await login.json()) as { csrfToken: string }).csrfToken };
const asAdmin = (p: string, body: unknown) =>
  fetch(base + p, { method: "POST", headers: { "content-type": "application/json", cookie: session.cookie, "x-csrf-token": session.csrf }, body: JSON.stringify(body) });

let resident = 0;
/** One resident's private message through the HTTP channel; its latency in ms (it opens a case). */
async function residentMessage(): Promise<number> {
  resident++;
  const t = performance.now();
  const send = () =>
    fetch(`${base}/api/channels/http/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messageId: `bench-${resident}`, chatId: `bench-resident-${resident}`, senderId: `bench-resident-${resident}`, text: "阳光花园5号楼楼道里堆满了纸箱，走路都困难" }),
    });
  // After a long stall the server closes idle keep-alive sockets as the client reuses one: sent again, timed from the first try.
  const res = await send().catch(send);
  if (!res.ok) throw new Error(`resident message answered ${res.status}`);
  await res.json();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** The ceiling: the same message, five times, with nothing else running; and the longest block they cause. */
async function ceiling() {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const times = [];
  for (let i = 0; i < 5; i++) times.push(await residentMessage());
  delay.disable();
  return { median: median(times), block: delay.max / 1e6 };
}

/** The longest the event loop stood still while `work` ran (5 ms resolution), and how long it took. */
async function watched<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; block: number }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await sleep(20);
  const t = performance.now();
  const value = await work();
  const took = performance.now() - t;
  await sleep(20);
  delay.disable();
  return { value, ms: took, block: delay.max / 1e6 };
}

const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

/**
 * One admin request: alone (its own longest block), then — when it can be repeated — again while residents keep
 * writing (one message after another until it is answered), beside the ceiling measured just before.
 */
async function scenario(label: string, request: () => Promise<Response>, { repeatable }: { repeatable: boolean }) {
  const quiet = await ceiling();
  const alone = repeatable ? await watched(async () => answer(await request())) : null;
  const latencies: number[] = [];
  const busy = await watched(async () => {
    let done = false;
    const answered = request().then(answer).finally(() => (done = true));
    while (!done) {
      const l = await residentMessage();
      if (!done) latencies.push(l); // answered while the import was still under way
    }
    return answered;
  });
  console.log(
    `| ${label} | ${ms(alone?.ms ?? busy.ms)} | ${alone ? ms(alone.block) : "—"} | ${ms(busy.block)} | ` +
      `${ms(median(latencies))} / ${ms(Math.max(...latencies))} (${latencies.length}) | ${ms(quiet.median)} / ${ms(quiet.block)} | ${busy.value.status} |`,
  );
  return busy.value;
}

const rows = sampleRows(ROWS);
const csv = csvOf(rows);
// The XLSX differs from the CSV in one field of every row, so that planning it against the applied list finds changes.
const xlsx = await xlsxOf(rows.map((r, i) => (i === 0 ? r : r.map((c, j) => (j === 7 ? String(Number(c) + 1) : c)))));
const file = (fileName: string, bytes: Buffer) => ({ fileName, content: bytes.toString("base64"), mode: "merge" });
console.log(`${ROWS} rows: CSV ${(csv.length / 1024).toFixed(0)} KB, XLSX ${(xlsx.length / 1024).toFixed(0)} KB; the service has ${await services.db.matter.count()} matters`);
console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (other work on it slows every figure, the ceiling too)`);
await residentMessage(); // warm up the intake and the classifier

// Before: the file read on the service's own thread, as the route did until the worker thread.
const hereCsv = await watched(() => readMatterFileHere("list.csv", csv));
const hereXlsx = await watched(() => readMatterFileHere("list.xlsx", xlsx));
console.log(`reading on the service's thread (before): CSV ${ms(hereCsv.ms)}, longest block ${ms(hereCsv.block)}; XLSX ${ms(hereXlsx.ms)}, longest block ${ms(hereXlsx.block)}`);
console.log("");
console.log("preview = read in the worker thread + plan against the list (in slices) + the answer; apply = the same + the write transaction");
console.log("| request | time | longest block, alone | longest block, residents writing | resident message during it: median / worst (answered) | ceiling, no import: message / longest block | HTTP |");
console.log("|---|---|---|---|---|---|---|");
await scenario(`preview CSV (${ROWS} new)`, () => asAdmin("/api/admin/list/preview", file("list.csv", csv)), { repeatable: true });
const applied = await scenario(`apply CSV (${ROWS} new)`, () => asAdmin("/api/admin/list/apply", { ...file("list.csv", csv), reason: "压测导入" }), { repeatable: false });
if (applied.body.added !== ROWS) throw new Error(`the apply added ${String(applied.body.added)}`);
await scenario(`preview XLSX (${ROWS} changed)`, () => asAdmin("/api/admin/list/preview", file("list.xlsx", xlsx)), { repeatable: true });

// The planning step alone, on this thread, against the list of ${ROWS} + seeded matters.
console.log("");
const table = await readMatterFile("list.xlsx", xlsx);
for (let i = 0; i < 3; i++) {
  let t = performance.now();
  const current = await loadList(services.db);
  const loadMs = performance.now() - t;
  const units = new Set((await services.db.unit.findMany({ select: { name: true } })).map((u) => u.name));
  t = performance.now();
  const plan = planImport(current, units, table, { mode: "replace", complete: true, strictUnits: false });
  const planMs = performance.now() - t;
  console.log(
    `planning alone, run ${i + 1}: loadList in one read ${ms(loadMs)} (${current.size} matters; the driver is synchronous, so this holds the event loop — ` +
      `the apply does it inside its transaction, the preview in pages of 500) · planImport ${ms(planMs)} (${plan.changes.changed.length} changed, ${plan.changes.removed.length} removed; the preview pauses every 500 rows)`,
  );
}

server.close();
for (const channel of services.channels.values()) await channel.stop();
await services.learning.close();
await services.db.$disconnect();
rmSync(dir, { recursive: true, force: true });
