// The case lifecycle table: what may happen from where, by whom, and what needs a reason.
import { describe, expect, it } from "vitest";
import { nextStatus, TransitionError } from "../src/domain/caseMachine.ts";

describe("case lifecycle", () => {
  it("walks the main loop", () => {
    let s = nextStatus("needs_review", "confirm", "worker");
    expect(s).toBe("accepted");
    s = nextStatus(s, "dispatch", "bot");
    expect(s).toBe("dispatched");
    expect(nextStatus(s, "accept", "unit")).toBe("dispatched");
    s = nextStatus(s, "start", "unit");
    expect(s).toBe("in_progress");
    s = nextStatus(s, "resolve", "unit", "已更换灯泡");
    expect(s).toBe("resolved");
    s = nextStatus(s, "request_feedback", "scheduler");
    expect(s).toBe("awaiting_feedback");
    expect(nextStatus(s, "evaluate_ok", "resident")).toBe("closed");
    expect(nextStatus(s, "expire_feedback", "scheduler")).toBe("closed");
    expect(nextStatus(s, "reopen", "resident", "还是不亮")).toBe("reopened");
  });

  it("lets a unit return a case with a reason, back to review or re-dispatch", () => {
    const s = nextStatus("dispatched", "return", "unit", "不属于本单位职责");
    expect(s).toBe("returned");
    expect(nextStatus(s, "dispatch", "worker")).toBe("dispatched");
    expect(nextStatus(s, "confirm", "worker")).toBe("accepted");
  });

  it("refuses illegal transitions with a clear message", () => {
    expect(() => nextStatus("closed", "resolve", "unit", "x")).toThrow("工单当前状态为“已结案”，不能办结");
    expect(() => nextStatus("needs_review", "resolve", "unit", "x")).toThrow(TransitionError);
    expect(() => nextStatus("merged", "reopen", "worker", "x")).toThrow("不能重办");
    expect(() => nextStatus("withdrawn", "dispatch", "worker")).toThrow("已撤回");
  });

  it("refuses actions by the wrong actor", () => {
    expect(() => nextStatus("needs_review", "confirm", "unit")).toThrow("“确认”不能由承办单位执行");
    expect(() => nextStatus("dispatched", "resolve", "resident", "x")).toThrow("不能由居民执行");
    expect(() => nextStatus("resolved", "request_feedback", "unit")).toThrow(TransitionError);
  });

  it("needs a result to resolve and a reason to return, reopen or reject", () => {
    expect(() => nextStatus("in_progress", "resolve", "unit", "  ")).toThrow("办结需要填写办理结果");
    expect(() => nextStatus("dispatched", "return", "unit")).toThrow("退单需要填写原因");
    expect(() => nextStatus("closed", "reopen", "worker")).toThrow("重办需要填写原因");
    expect(() => nextStatus("needs_review", "reject", "worker", "")).toThrow("不予受理需要填写原因");
  });
});
