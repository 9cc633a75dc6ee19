// Fills a fresh, migrated database for the follow-up benchmark: the default data seeded as the service would, then
// `cases` cases with their residents, events, replies and jobs (plan.ts) written in bulk (bulk.ts), with progress.
import { readFileSync } from "node:fs";
import { openDb } from "../../db.ts";
import { createLogger } from "../../log.ts";
import { seedDefaults } from "../../seed.ts";
import { openBulkWriter } from "./bulk.ts";
import { planBatch, type Reference, type Table } from "./plan.ts";

export interface FillOptions {
  url: string;
  cases: number;
  /** Fraction of cases with one job due at `now`. */
  due: number;
  now: Date;
  /** Residents' letters to take the cases' texts from (the shared dataset), or none: a few built-in texts. */
  textsFile?: string;
  /** Called about every two seconds and at the end with the cases written so far. */
  progress?: (written: number, total: number) => void;
}

export interface Filled {
  ms: number;
  rows: Record<Table, number>;
}

const BATCH = 5000;

/** Short texts like a WeChat appeal's: the first sentence of a letter, at most 60 characters. */
export function readTexts(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => l.split("\t")[0].slice(0, 60));
  } catch {
    return [];
  }
}

export async function fillDatabase(o: FillOptions): Promise<Filled> {
  const started = performance.now();
  const db = await openDb(o.url);
  let ref: Reference;
  let firstCaseId: number;
  let firstResidentId: number;
  try {
    await seedDefaults(db, createLogger("silent", false));
    const [grids, matters, units, lastCase, lastResident] = await Promise.all([
      db.area.findMany({ where: { level: "grid" }, select: { id: true }, orderBy: { id: "asc" } }),
      db.matter.findMany({ select: { id: true, leadUnitId: true, responseHours: true, resolveDays: true }, orderBy: { id: "asc" } }),
      db.unit.findMany({ select: { id: true }, orderBy: { id: "asc" } }),
      db.case.aggregate({ _max: { id: true } }),
      db.resident.aggregate({ _max: { id: true } }),
    ]);
    ref = { grids: grids.map((g) => g.id), matters, units: units.map((u) => u.id) };
    firstCaseId = (lastCase._max.id ?? 0) + 1;
    firstResidentId = (lastResident._max.id ?? 0) + 1;
  } finally {
    await db.$disconnect();
  }
  if (!ref.grids.length || !ref.matters.length || !ref.units.length) throw new Error("the seeded database has no grids, matters or units");

  const texts = readTexts(o.textsFile);
  const writer = openBulkWriter(o.url);
  const rows: Record<Table, number> = { Resident: 0, Case: 0, CaseEvent: 0, Outbox: 0, Job: 0 };
  let told = performance.now();
  try {
    for (let from = 0; from < o.cases; from += BATCH) {
      const batch = planBatch(ref, from, Math.min(o.cases, from + BATCH), { now: o.now, due: o.due, firstCaseId, firstResidentId, texts });
      await writer.write(batch);
      for (const t of Object.keys(rows) as Table[]) rows[t] += batch[t].length;
      if (performance.now() - told > 2000) {
        told = performance.now();
        o.progress?.(rows.Case, o.cases);
      }
    }
    await writer.finish();
  } finally {
    await writer.close();
  }
  o.progress?.(rows.Case, o.cases);
  return { ms: performance.now() - started, rows };
}
