// npm run bench:followup at a small size: the generator makes the share of due jobs asked for, each on a case it
// acts on, and the service's follow-up pass runs exactly those, through the due query's index. No timings asserted.
import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, testPostgresUrl, type TestDatabase } from "./helpers/database.ts";
import { COLUMNS, DUE_KINDS, isDueCase, planBatch, type Reference } from "../src/cli/benchFollowup/plan.ts";
import { fillDatabase } from "../src/cli/benchFollowup/fill.ts";
import { measureTick } from "../src/cli/benchFollowup/measure.ts";
import { JOB_KINDS } from "../src/followup/schedule.ts";

const NOW = new Date("2026-12-10T02:00:00Z");
const REF: Reference = { grids: [1, 2], matters: [{ id: 1, leadUnitId: 1, responseHours: 24, resolveDays: 5 }, { id: 2, leadUnitId: null, responseHours: 2, resolveDays: 1 }], units: [1, 2] };
const JOB = Object.keys(COLUMNS.Job);
const col = (name: string) => JOB.indexOf(name);

describe("bench:followup's rows", () => {
  it("has exactly the share of cases asked for with one job due now, and every other pending job ahead", () => {
    for (const [cases, due] of [[2000, 0.01], [999, 0.05], [3000, 0.001]] as const) {
      const batch = planBatch(REF, 0, cases, { now: NOW, due, firstCaseId: 1, firstResidentId: 1 });
      const pending = batch.Job.filter((j) => j[col("status")] === "pending");
      const dueNow = pending.filter((j) => (j[col("dueAt")] as Date) <= NOW);
      expect(dueNow).toHaveLength(Math.floor(cases * due + 1e-9));
      expect(new Set(dueNow.map((j) => j[col("caseId")])).size).toBe(dueNow.length);
      const kinds = new Set(dueNow.map((j) => j[col("kind")]));
      // Only kinds a tick can act on; all of them once there are enough.
      for (const k of kinds) expect(DUE_KINDS.map(([kind]) => kind)).toContain(k);
      if (dueNow.length >= 40) expect(kinds.size).toBe(DUE_KINDS.length);
      // Finished jobs are in the past; none is both finished and ahead of now.
      for (const j of batch.Job.filter((j) => j[col("status")] !== "pending")) expect((j[col("finishedAt")] as Date) <= NOW).toBe(true);
    }
    expect(Array.from({ length: 1000 }, (_, i) => isDueCase(i, 0.01)).filter(Boolean)).toHaveLength(10);
  });

  it("writes the same rows in batches as at once, with unique job keys and every job kind but the nightly ones", () => {
    const o = { now: NOW, due: 0.01, firstCaseId: 1, firstResidentId: 1 };
    const whole = planBatch(REF, 0, 3000, o);
    const parts = [planBatch(REF, 0, 1500, o), planBatch(REF, 1500, 3000, o)];
    const dueOf = (jobs: unknown[][]) => jobs.filter((j) => j[col("status")] === "pending" && (j[col("dueAt")] as Date) <= NOW).map((j) => j[col("caseId")]);
    expect(parts.flatMap((p) => dueOf(p.Job))).toEqual(dueOf(whole.Job));
    expect(parts.reduce((a, p) => a + p.Resident.length, 0)).toBe(1000);
    const keys = whole.Job.map((j) => j[col("dedupeKey")]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(whole.Job.map((j) => j[col("kind")]))).toEqual(new Set(JOB_KINDS.filter((k) => k !== "retention" && k !== "hotspots")));
    expect(new Set(whole.Case.map((c) => c[Object.keys(COLUMNS.Case).indexOf("status")])).size).toBeGreaterThanOrEqual(10);
  });
});

describe("bench:followup's pass", () => {
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await database?.drop();
    database = null;
  });

  it("runs exactly the due jobs, each doing its work, and finds them through the (status, dueAt) index", async () => {
    database = await freshDatabase();
    const filled = await fillDatabase({ url: database.url, cases: 2000, due: 0.01, now: NOW });
    expect(filled.rows.Case).toBe(2000);
    const f = await measureTick({ url: database.url, dataDir: database.dir, now: NOW });
    expect(f.dueBefore).toBe(20);
    expect({ run: f.jobsRun, done: f.done, failed: f.failed, dueAfter: f.dueAfter }).toEqual({ run: 20, done: 20, failed: 0, dueAfter: 0 });
    // Each kind did what it is for (a due job on a case it no longer applies to would be skipped).
    const did = Object.keys(f.outcomes).filter((k) => k.includes(" done: "));
    expect(did.map((k) => k.split(" ")[0]).sort()).toEqual(DUE_KINDS.map(([k]) => k).sort());
    if (!testPostgresUrl()) expect(f.dueQueryPlan).toMatch(/USING (COVERING )?INDEX Job_status_dueAt_idx/);
    else expect({ Job: f.seqScans?.Job ?? 0, Case: f.seqScans?.Case ?? 0 }).toEqual({ Job: 0, Case: 0 });
  }, 120_000);
});
