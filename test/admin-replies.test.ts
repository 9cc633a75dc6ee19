// Administrators change what the bot says: a checked, previewed version of a reply text is used from the next
// message, in this process at once and in another within seconds; its history is kept; the file's text returns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";
import { Replies } from "../src/texts/replies.ts";
import { startFakeLlm } from "./helpers/fakeLlm.ts";
import { cst, FakeClock, HOUR } from "./helpers/clock.ts";
import { runFollowUp } from "../src/services.ts";

let svc: TestService;
let admin: Session;
let worker: Session;
const call = (method: string, path: string, body?: unknown, as: Session = admin) => callAs(svc, as, method, path, body);
const appeal = async (text: string) => (await svc.post("/api/channels/http/messages", groupMessage(`@小民 ${text}`))).body.replies[0].text as string;

beforeAll(async () => {
  svc = await startService();
  ({ admin, worker } = await adminAndWorker(svc, "文案"));
});
afterAll(async () => {
  await svc.close();
});

describe("reply texts", () => {
  it("lists every text with its default, placeholders and audience, for administrators only", async () => {
    expect((await call("GET", "/api/admin/replies", undefined, worker)).status).toBe(403);
    const { body } = await call("GET", "/api/admin/replies");
    const accepted = body.replies.find((r: any) => r.key === "appeal_accepted");
    expect(accepted).toMatchObject({ audience: "居民（回复）" });
    // A text no test here changes: another test saves a version of appeal_accepted, and may run first.
    expect(body.replies.find((r: any) => r.key === "appeal_needs_review")).toMatchObject({ changed: false, lastChange: null });
    expect(accepted.placeholders).toEqual(expect.arrayContaining(["case_number", "matter_name", "lead_unit"]));
    expect(body.replies.find((r: any) => r.key === "unit_dispatch").audience).toBe("承办单位");
    for (const key of ["volunteer_my_tasks", "volunteer_no_tasks", "volunteer_my_hours"]) expect(body.replies.find((r: any) => r.key === key).audience, key).toBe("志愿者");
    expect(body.replies).toHaveLength(new Replies().keys.length);
  });

  it("refuses a placeholder the code does not fill, and previews a good text with sample values", async () => {
    const bad = await call("PUT", "/api/admin/replies/appeal_accepted", { text: "收到！{{resident_phone}}", note: "试试" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("不能使用占位符 {{resident_phone}}");
    const preview = await call("POST", "/api/admin/replies/appeal_accepted/preview", { text: "收到，工单 {{case_number}}，由{{lead_unit}}办理。" });
    expect(preview.body).toEqual({ problems: [], rendered: "收到，工单 2026-000123，由阳光花园物业服务中心办理。" });
    expect((await call("PUT", "/api/admin/replies/no_such_text", { text: "x", note: "y" })).status).toBe(404);
    const hours = await call("POST", "/api/admin/replies/volunteer_my_hours/preview", { text: "{{month}}：{{count}} 次，{{hours}} 小时" });
    expect(hours.body).toEqual({ problems: [], rendered: "2026年10月：2 次，1.5 小时" });
  });

  it("uses a saved version from the next message, keeps the history, and goes back to the file", async () => {
    const before = await appeal("3号楼电梯坏了两天了");
    expect(before).toContain("您反映的问题已受理");
    const saved = await call("PUT", "/api/admin/replies/appeal_accepted", { text: "收到！工单 {{case_number}} 已交{{lead_unit}}办理。", note: "更口语" });
    expect(saved.status).toBe(200);
    const after = await appeal("5号楼电梯又坏了");
    expect(after).toMatch(/^收到！工单 \d{4}-\d{6} 已交阳光花园物业服务中心办理。$/);

    const list = (await call("GET", "/api/admin/replies")).body.replies.find((r: any) => r.key === "appeal_accepted");
    expect(list).toMatchObject({ changed: true, lastChange: { author: "文案管理员", note: "更口语" } });
    expect((await call("POST", "/api/admin/replies/appeal_accepted/reset")).status).toBe(200);
    expect(await appeal("6号楼电梯坏了")).toContain("您反映的问题已受理");
    const { versions } = (await call("GET", "/api/admin/replies/appeal_accepted/versions")).body;
    expect(versions.map((v: any) => [v.note, v.active])).toEqual([["恢复默认文案", true], ["更口语", false]]);
  });

  it("reaches another process within seconds: a fresh read picks the active version up", async () => {
    await call("PUT", "/api/admin/replies/progress_resolved", { text: "工单 {{case_number}} 办好了：{{result}}", note: "简短" });
    const other = new Replies();
    expect(other.render("progress_resolved", { case_number: "2026-000001", matter_name: "电梯故障", result: "已修复" })).toContain("已办结"); // the file's text
    await other.fresh(svc.services.db);
    expect(other.render("progress_resolved", { case_number: "2026-000001", matter_name: "电梯故障", result: "已修复" })).toBe("工单 2026-000001 办好了：已修复");
  });
});

describe("the satisfaction survey's LLM prompt", () => {
  it("is kept like a reply text, and the next mixed answer is read with an administrator's version", async () => {
    const llm = await startFakeLlm();
    const clock = new FakeClock(cst("2026-11-02T10:00"));
    const other = await startService({ OPENAI_BASE_URL: llm.baseURL, LLM_MAX_RETRIES: "0" }, { clock: clock.now });
    try {
      const { admin: boss } = await adminAndWorker(other, "回访");
      const listed = (await callAs(other, boss, "GET", "/api/admin/replies")).body.replies.find((r: any) => r.key === "satisfaction_prompt");
      expect(listed).toMatchObject({ audience: "大模型（回访评价提示词）", changed: false, placeholders: [] });
      const custom = "判断居民对处理结果的评价，只输出 JSON：{\"rating\": \"satisfied\" | \"basically_satisfied\" | \"dissatisfied\" | \"unclear\"}。态度好但慢算基本满意。";
      expect((await callAs(other, boss, "PUT", "/api/admin/replies/satisfaction_prompt", { text: custom, note: "明确“态度好但慢”" })).status).toBe(200);

      llm.script({ kind: "json", body: { matter_code: "DT01", urgency: "normal", confidence: 0.9, missing_info: [], rationale: "电梯故障" } });
      const opened = await other.services.intake.receive(
        { channel: "simulator", messageId: "s1", chatId: "sim-yangguang-1", isGroup: true, senderId: "r1", text: "@小民 3号楼电梯坏了", mentionsBot: true },
        clock.now(),
      );
      const kase = await other.services.db.case.findUniqueOrThrow({ where: { number: opened.case!.number } });
      await other.services.cases.act(kase.id, { action: "resolve", actor: "unit", reason: "已修复", now: clock.now() });
      clock.advance(2 * HOUR);
      await runFollowUp(other.services);
      llm.script({ kind: "json", body: { rating: "basically_satisfied" } });
      await other.services.intake.receive(
        { channel: "simulator", messageId: "s2", chatId: "sim-yangguang-1", isGroup: true, senderId: "r1", text: "@小民 师傅态度挺好，但是修得有点慢", mentionsBot: true },
        clock.now(),
      );
      expect(llm.requests.at(-1).messages[0].content).toBe(custom);
      expect((await other.services.db.case.findUniqueOrThrow({ where: { id: kase.id } })).satisfaction).toBe("basically_satisfied");
    } finally {
      await other.close();
      await llm.close();
    }
  });
});
