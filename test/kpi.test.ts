// 考核评价 formulas on a constructed set of cases with known answers.
import { describe, expect, it } from "vitest";
import { computeKpis, kpisBy, type KpiCase } from "../src/domain/kpi.ts";

const t = (h: number) => new Date(Date.UTC(2026, 10, 2, 0) + h * 3600_000);
const base: KpiCase = { createdAt: t(0), dispatchedAt: t(0), responseDueAt: t(4), respondedAt: null, resolvedAt: null, escalationLevel: 0, satisfaction: null };
const now = t(100);

// 10 cases for two units.
const cases: (KpiCase & { unit: string })[] = [
  { ...base, unit: "物业", respondedAt: t(1), resolvedAt: t(20), satisfaction: "satisfied" },
  { ...base, unit: "物业", respondedAt: t(3), resolvedAt: t(30), satisfaction: "satisfied" },
  { ...base, unit: "物业", respondedAt: t(6), resolvedAt: t(40), satisfaction: "basically_satisfied", escalationLevel: 1 }, // late
  { ...base, unit: "物业", respondedAt: t(2), resolvedAt: t(10), satisfaction: "dissatisfied" },
  { ...base, unit: "物业", respondedAt: t(2), resolvedAt: t(12), satisfaction: "not_evaluated" },
  { ...base, unit: "物业", respondedAt: null, escalationLevel: 2 }, // never responded, overdue
  { ...base, unit: "市政", respondedAt: t(1), resolvedAt: t(8), satisfaction: "satisfied" },
  { ...base, unit: "市政", respondedAt: t(2), resolvedAt: t(9), satisfaction: "basically_satisfied" },
  { ...base, unit: "市政", responseDueAt: t(200) }, // not yet due: does not count against the response rate
  { ...base, unit: "市政", respondedAt: t(1), responseDueAt: t(200) }, // responded before its limit: due and on time
];

describe("KPIs", () => {
  it("computes the three rates, the composite, overdue and times on known cases", () => {
    const k = computeKpis(cases, now);
    // Due: all but the one not yet due = 9; on time: 1,2,4,5,7,8,10 = 7 (case 3 late, case 6 never).
    expect(k).toMatchObject({ volume: 10, responseDue: 9, respondedOnTime: 7, responseRate: 0.7778 });
    // Evaluated: 6 (3 满意, 2 基本满意, 1 不满意; 未评价 excluded).
    expect(k.evaluated).toBe(6);
    expect(k.resolutionRate).toBe(0.8333); // 5/6
    expect(k.satisfactionRate).toBe(0.8); // (3 + 0.9×2)/6 = 4.8/6
    expect(k.composite).toBe(0.8144); // 0.1×0.7778 + 0.5×0.8333 + 0.4×0.8 = 0.07778 + 0.41667 + 0.32 = 0.81444…
    expect(k.overdue).toBe(2);
    expect(k.avgHoursToRespond).toBe(2.25); // (1+3+6+2+2+1+2+1)/8
    expect(k.avgHoursToResolve).toBe(18.4286); // (20+30+40+10+12+8+9)/7
  });

  it("takes the weight of 基本满意 and the composite weights as settings", () => {
    const k = computeKpis(cases, now, { basicWeight: 1, weights: { response: 0, resolution: 0, satisfaction: 1 } });
    expect(k.satisfactionRate).toBe(0.8333);
    expect(k.composite).toBe(0.8333);
  });

  it("gives no rate rather than a false one when nothing is due or evaluated", () => {
    const k = computeKpis([{ ...base, responseDueAt: t(500) }], now);
    expect(k).toMatchObject({ responseRate: null, resolutionRate: null, satisfactionRate: null, composite: null, avgHoursToRespond: null });
  });

  it("groups by unit, largest volume first", () => {
    const rows = kpisBy(cases, (c) => c.unit, now);
    expect(rows.map((r) => [r.group, r.volume, r.responseRate, r.satisfactionRate])).toEqual([
      ["物业", 6, 0.6667, 0.725], // on time 4 of 6; (2 + 0.9)/4
      ["市政", 4, 1, 0.95], // on time 3 of 3 due; (1 + 0.9)/2
    ]);
  });
});
