// npm run bench:console — how fast the console's API answers with many cases: 20,000 cases (CASES=…) over the
// seeded grids, units and matters, spread over a year, with texts from real residents' letters. Each request is
// timed five times through HTTP against a fresh SQLite file; the median is printed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { createServices } from "../services.ts";
import { createApp } from "../app.ts";
import { createApiToken } from "../http/apiTokens.ts";
import { CASE_STATUSES } from "../domain/case.ts";
import { seededRandom } from "../classify/random.ts";

const CASES = Number(process.env.CASES ?? 20_000);
const SHARED = process.env.SHARED_DATASETS ?? "../shared/datasets";

const dir = mkdtempSync(path.join(os.tmpdir(), "minhu-bench-"));
const url = `file:${path.join(dir, "bench.db")}`;
execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
const config = loadConfig({ ...process.env, NODE_ENV: "test", DATABASE_URL: url, LOG_LEVEL: "silent", SCHEDULER_ENABLED: "false" });
const services = await createServices(config, createLogger("silent", false));
const { db } = services;

const random = seededRandom(7);
const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
const texts = readFileSync(`${SHARED}/appeals-dev.tsv`, "utf8").split("\n").filter(Boolean).map((l) => l.split("\t")[0].slice(0, 400));
const grids = await db.area.findMany({ where: { level: "grid" } });
const matters = await db.matter.findMany();
const now = services.clock();
console.error(`creating ${CASES} cases…`);
const t0 = performance.now();
for (let start = 0; start < CASES; start += 1000) {
  const rows = Array.from({ length: Math.min(1000, CASES - start) }, (_, i) => {
    const m = pick(matters);
    const createdAt = new Date(now.getTime() - random() * 365 * 86400_000);
    const status = pick([...CASE_STATUSES]);
    const closed = ["closed", "resolved", "awaiting_feedback"].includes(status);
    return {
      number: `2026-${String(start + i + 1).padStart(6, "0")}`,
      text: pick(texts),
      channel: "http",
      chatId: "bench",
      isGroup: true,
      matterId: m.id,
      leadUnitId: m.leadUnitId,
      gridId: pick(grids).id,
      status,
      classSource: "local",
      classConfidence: random(),
      createdAt,
      dispatchedAt: createdAt,
      responseDueAt: new Date(createdAt.getTime() + m.responseHours * 3600_000),
      resolveDueAt: new Date(createdAt.getTime() + m.resolveDays * 86400_000),
      respondedAt: random() < 0.8 ? new Date(createdAt.getTime() + random() * 48 * 3600_000) : null,
      resolvedAt: closed ? new Date(createdAt.getTime() + random() * 10 * 86400_000) : null,
      satisfaction: closed ? pick(["satisfied", "basically_satisfied", "dissatisfied", "not_evaluated"]) : null,
      escalationLevel: random() < 0.1 ? 1 : 0,
    };
  });
  await db.case.createMany({ data: rows });
  process.stderr.write(`\r${start + rows.length} / ${CASES}`);
}
console.error(`\ncreated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const server = createApp(services).listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const { token } = await createApiToken(db, { name: "bench", role: "worker" });
const monthAgo = new Date(now.getTime() - 30 * 86400_000).toISOString();

const requests: Record<string, string> = {
  list: "/api/cases",
  listPage50: "/api/cases?page=50",
  reviewQueue: "/api/cases?view=review&pageSize=50",
  byGrid: `/api/cases?gridId=${grids[0].id}&status=dispatched`,
  overdue: "/api/cases?overdue=true",
  search: `/api/cases?q=${encodeURIComponent("小区 物业")}`,
  detail: "/api/cases/2026-000100",
  duplicates: "/api/cases/2026-000100/duplicates",
  kpiByUnitMonth: `/api/kpis?groupBy=unit&from=${monthAgo}`,
  kpiTrendYear: "/api/kpis?groupBy=month",
  matterSearch: `/api/matters?q=${encodeURIComponent("垃圾")}`,
  exportMonthXlsx: `/api/cases/export.xlsx?from=${monthAgo}`,
};
const result: Record<string, number> = {};
for (const [name, p] of Object.entries(requests)) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${p}: ${res.status}`);
    times.push(performance.now() - t);
  }
  result[`${name}Ms`] = Math.round(times.sort((a, b) => a - b)[2]);
  console.error(`${name.padEnd(16)} ${result[`${name}Ms`]} ms`);
}
server.close();
await db.$disconnect();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ cases: CASES, ...result }));
