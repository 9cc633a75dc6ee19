// Emergencies are answered at once with the right number, open an urgent case, and never wait on the LLM.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";

const PATH = "/api/channels/http/messages";
let llm: FakeLlm;
let svc: TestService;

beforeAll(async () => {
  llm = await startFakeLlm();
  // An LLM is configured (and would hang): emergencies must not touch it.
  svc = await startService({ OPENAI_BASE_URL: llm.baseURL, LLM_TIMEOUT_MS: "20000", LLM_MAX_RETRIES: "0" });
});
afterAll(async () => {
  await svc.close();
  await llm.close();
});
// Each test counts the LLM calls its own messages made: none for an emergency, one for an ordinary appeal.
beforeEach(() => {
  llm.requests.length = 0;
});

describe("emergencies", () => {
  it.each([
    ["5号楼楼道里有很浓的煤气味", "119"],
    ["3号楼2单元有人晕倒了，叫不醒", "120"],
    ["楼下有人持刀打人", "110"],
    ["7号楼冒烟了，好像着火了", "119"],
    ["孩子不见了，在小区广场走失的", "110"],
  ])("%s → %s", async (text, hotline) => {
    const { body } = await svc.post(PATH, groupMessage(`@小民 ${text}`));
    expect(body.outcome).toBe("emergency");
    expect(body.replies[0].text).toContain(hotline);
    expect(body.replies[0].text).toContain("【紧急】");
    expect(body.replies[0].text).toContain(body.case.number);
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: body.case.number }, include: { events: true } });
    expect(kase.urgency).toBe("emergency");
    expect(kase.classSource).toBe("rule");
    expect(kase.events.map((e) => e.type)).toContain("emergency_detected");
    expect(kase.responseDueAt!.getTime() - kase.createdAt.getTime()).toBeLessThanOrEqual(30 * 60_000);
    expect(llm.requests).toHaveLength(0);
  });

  it("answers an emergency in a served group even without an @mention", async () => {
    const { body } = await svc.post(PATH, groupMessage("9号楼好像着火了，有浓烟", { mentionsBot: false }));
    expect(body.outcome).toBe("emergency");
    expect(body.replies[0].mentions).toHaveLength(1);
  });

  it("treats a blocked fire lane as an ordinary appeal, not an emergency", async () => {
    llm.script({ kind: "json", body: { matter_code: "XF01", urgency: "normal", confidence: 0.9, missing_info: [], rationale: "消防通道被占用" } });
    const { body } = await svc.post(PATH, groupMessage("@小民 6号楼的消防通道被私家车堵得严严实实"));
    expect(body.outcome).toBe("appeal");
    expect(body.case.matterCode).toBe("XF01");
    expect(llm.requests).toHaveLength(1);
  });
});
