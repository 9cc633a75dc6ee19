// The LLM classifier through the real openai SDK over a real socket to a local OpenAI-compatible server.
// Every failure mode still ends in a case and a reply: nothing is lost when the provider misbehaves.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, groupMessage, startService, type TestService } from "./helpers/service.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";

const PATH = "/api/channels/http/messages";
let llm: FakeLlm;
let svc: TestService;

const answer = (body: Record<string, unknown>) => ({ kind: "json" as const, body });
const good = { matter_code: "DT01", urgency: "normal", confidence: 0.93, missing_info: [], rationale: "居民反映电梯停运，属于电梯故障。" };

beforeAll(async () => {
  llm = await startFakeLlm();
  svc = await startService({ OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: "sk-test", LLM_MODEL: "test-model", LLM_TIMEOUT_MS: "400", LLM_MAX_RETRIES: "0" }, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
});
afterAll(async () => {
  await svc.close();
  await llm.close();
});
beforeEach(() => {
  llm.requests.length = 0;
});
afterEach(() => {
  // Every scripted answer was asked for: the code under test called the LLM exactly as often as expected.
  expect(llm.unused()).toBe(0);
});

async function caseOf(number: string) {
  return svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { matter: true, events: true } });
}

describe("LLM classification", () => {
  it("uses a valid answer, and sends the static part first and the appeal last", async () => {
    llm.script(answer(good));
    const { body } = await svc.post(PATH, groupMessage("@小民 3号楼的电梯从昨天开始就停了"));
    expect(body.case).toMatchObject({ matterCode: "DT01", status: "dispatched" });
    const kase = await caseOf(body.case.number);
    expect(kase.classSource).toBe("llm");
    expect(kase.classModel).toBe("test-model");
    expect(kase.classRationale).toBe(good.rationale);
    const usage = (kase.events[0].data as any).classification.usage;
    expect(usage).toEqual({ promptTokens: 1200, completionTokens: 40, cachedTokens: 1024 });

    expect(llm.requests).toHaveLength(1);
    const req = llm.requests[0];
    expect(req.model).toBe("test-model");
    expect(req.response_format).toEqual({ type: "json_object" });
    expect(req.messages.map((m: any) => m.role)).toEqual(["system", "user"]);
    expect(req.messages[0].content).toContain("DT01｜电梯故障｜电梯安全｜小区物业");
    expect(req.messages[0].content).not.toContain("3号楼的电梯");
    expect(req.messages[1].content).toContain("3号楼的电梯从昨天开始就停了");
    expect(req.messages[1].content).toContain("阳光花园业主群");
  });

  it("sends a byte-identical system message for every appeal, so providers can cache it", async () => {
    llm.script(answer(good), answer({ ...good, matter_code: "SZ01" }));
    await svc.post(PATH, groupMessage("@小民 电梯停了"));
    await svc.post(PATH, groupMessage("@小民 北门路灯不亮"));
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1].messages[0].content).toBe(llm.requests[0].messages[0].content);
  });

  it("retries once after invalid JSON, telling the model what was wrong", async () => {
    llm.script({ kind: "answer", content: "好的，这是电梯问题" }, answer(good));
    const { body } = await svc.post(PATH, groupMessage("@小民 电梯一直响"));
    expect(body.case.matterCode).toBe("DT01");
    expect((await caseOf(body.case.number)).classSource).toBe("llm");
    expect(llm.requests).toHaveLength(2);
    const retry = llm.requests[1].messages;
    expect(retry.at(-1).content).toContain("不是合法的 JSON");
  });

  it("falls back to the local classifier after two invalid answers", async () => {
    llm.script({ kind: "answer", content: "not json" }, { kind: "answer", content: "{\"matter\":" });
    const { body } = await svc.post(PATH, groupMessage("@小民 小区门口的垃圾两天没人收了，臭得不行"));
    expect(llm.requests).toHaveLength(2);
    expect(body.case.matterCode).toBe("HW01");
    const kase = await caseOf(body.case.number);
    expect(kase.classSource).toBe("local");
    expect((kase.events[0].data as any).classification.fallbackReason).toBe("invalid_output");
  });

  it("does not accept a matter code outside the list", async () => {
    llm.script(answer({ ...good, matter_code: "ZZ99" }), answer({ ...good, matter_code: "ZZ99" }));
    const { body } = await svc.post(PATH, groupMessage("@小民 楼下饭店的油烟直接排到我家窗户"));
    expect(llm.requests[1].messages.at(-1).content).toContain("ZZ99");
    expect(body.case.matterCode).toBe("HB01");
    expect((await caseOf(body.case.number)).classSource).toBe("local");
  });

  it("takes \"none\" as no matter: the case waits for a worker", async () => {
    llm.script(answer({ matter_code: "none", urgency: "normal", confidence: 0.2, missing_info: [], rationale: "不属于清单事项" }));
    const { body } = await svc.post(PATH, groupMessage("@小民 我想给社区提个建议"));
    expect(body.case.status).toBe("needs_review");
    expect(body.replies[0].text).toContain("社区工作人员会尽快确认");
  });

  it("falls back at once on HTTP 429", async () => {
    llm.script({ kind: "status", status: 429, message: "rate limited" });
    const { status, body } = await svc.post(PATH, groupMessage("@小民 北门外那段路的路灯不亮了"));
    expect(status).toBe(200);
    expect(body.case.matterCode).toBe("SZ01");
    const kase = await caseOf(body.case.number);
    expect((kase.events[0].data as any).classification.fallbackReason).toBe("rate_limited");
  });

  it("falls back on a provider error", async () => {
    llm.script({ kind: "status", status: 500 });
    const { body } = await svc.post(PATH, groupMessage("@小民 北门路灯坏了"));
    expect(body.case.matterCode).toBe("SZ01");
    expect((await caseOf(body.case.number)).classSource).toBe("local");
  });

  it("falls back when the provider does not answer in time", async () => {
    llm.script({ kind: "hang", ms: 5_000 });
    const started = Date.now();
    const { body } = await svc.post(PATH, groupMessage("@小民 3号楼电梯坏了两天了"));
    expect(body.case.matterCode).toBe("DT01");
    const kase = await caseOf(body.case.number);
    expect((kase.events[0].data as any).classification.fallbackReason).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("keeps the resident's message and answers even when every step of the LLM fails", async () => {
    llm.script({ kind: "status", status: 503 });
    const msg = groupMessage("@小民 好几盏路灯一闪一闪的");
    const { body } = await svc.post(PATH, msg);
    const row = await svc.services.db.inboundMessage.findFirstOrThrow({ where: { messageId: msg.messageId } });
    expect(row.status).toBe("processed");
    expect(row.caseId).not.toBeNull();
    expect(body.replies).toHaveLength(1);
  });
});

describe("LLM with strict JSON schema", () => {
  it("asks for a json_schema response when the provider supports it", async () => {
    const strict = await startService({ OPENAI_BASE_URL: llm.baseURL, LLM_JSON_SCHEMA: "true", LLM_MAX_RETRIES: "0" });
    try {
      llm.script(answer(good));
      const { body } = await strict.post(PATH, groupMessage("@小民 电梯停了"));
      expect(body.case.matterCode).toBe("DT01");
      const format = llm.requests.at(-1).response_format;
      expect(format.type).toBe("json_schema");
      expect(format.json_schema.strict).toBe(true);
      expect(format.json_schema.schema.required).toContain("matter_code");
    } finally {
      await strict.close();
    }
  });
});
