// npm run bench:export [-- --cases N] — the case export (CSV and XLSX) of N cases (default 50,000, the most one
// export gives) from a fresh SQLite database filled as bench:followup fills it, each in a process of its own with
// npm start's heap ceiling (package.json config.heapMb, MINHU_HEAP_MB): its time, its size and the process's peak
// resident memory. One JSON line per format on stdout. `--run URL FORMAT` is that process.
import { execFile } from "node:child_process";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { z } from "zod";
import { openDb } from "../db.ts";
import { casesForExport, EXPORT_MAX } from "../cases/queries.ts";
import { CASE_EXPORT_COLUMNS } from "../cases/presenters.ts";
import { sendTable, type TableFormat } from "../http/tables.ts";
import { fillDatabase } from "./benchFollowup/fill.ts";
import { BenchDatabases } from "./benchIntake/databases.ts";
import { startHeapMb } from "./benchIntake/processes.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const { values } = parseArgs({ options: { cases: { type: "string" }, run: { type: "string" }, format: { type: "string" } } });
const options = z
  .object({ cases: z.coerce.number().int().min(1).max(1_000_000).default(EXPORT_MAX), run: z.string().optional(), format: z.enum(["csv", "xlsx"]).default("csv") })
  .parse(values);
const now = new Date("2026-12-01T00:00:00Z");

if (options.run) {
  // The measured process: the export as the route writes it, read to the end as a browser would.
  const db = await openDb(options.run);
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const ctx = { set() {}, type: "", body: null as unknown as AsyncIterable<Buffer> };
  await sendTable(ctx as never, { name: "工单", format: options.format as TableFormat, columns: CASE_EXPORT_COLUMNS, rows: casesForExport(db, { view: "all" }, { role: "admin", unitId: null, scope: null }, now) });
  let bytes = 0;
  for await (const chunk of ctx.body) bytes += chunk.length;
  clearInterval(sample);
  const mb = (n: number) => Math.round(n / 2 ** 20);
  console.log(JSON.stringify({ format: options.format, bytes, ms: Math.round(performance.now() - started), peakRssMb: mb(Math.max(peak, process.memoryUsage().rss)), heapUsedMb: mb(process.memoryUsage().heapUsed) }));
  await db.$disconnect();
} else {
  const databases = new BenchDatabases("sqlite", "");
  try {
    const database = await databases.fresh();
    console.error(`bench:export: filling ${options.cases.toLocaleString("en")} cases…`);
    await fillDatabase({ url: database.url, cases: options.cases, due: 0, now, textsFile: path.resolve(ROOT, process.env.SHARED_DATASETS ?? "../shared/datasets", "appeals-dev.tsv") });
    const heap = process.env.MINHU_HEAP_MB || startHeapMb();
    for (const format of ["csv", "xlsx"]) {
      const { stdout } = await promisify(execFile)(process.execPath, [`--max-old-space-size=${heap}`, "--import", "tsx", "src/cli/benchExport.ts", "--run", database.url, "--format", format], { cwd: ROOT, maxBuffer: 1 << 20 });
      const line = { cases: options.cases, heapCeilingMb: Number(heap), ...JSON.parse(stdout.trim().split("\n").at(-1)!) };
      console.log(JSON.stringify(line));
      console.error(`${format.padEnd(4)} ${line.cases} cases: ${(line.bytes / 2 ** 20).toFixed(1)} MB in ${(line.ms / 1000).toFixed(1)} s, peak RSS ${line.peakRssMb} MB (heap ceiling ${heap} MB)`);
    }
  } finally {
    await databases.dropAll();
  }
}
