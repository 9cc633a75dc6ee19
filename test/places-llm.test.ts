// Questions about service places with an LLM configured (the fake OpenAI-compatible server, through the real
// openai SDK over a real socket): when the local recogniser cannot tell which place is meant, the LLM may choose
// a place code and a question code, and the answer is the service's own text from the data. Every failure keeps
// the local behaviour, the LLM receives the masked message and the places' codes, names and kinds only, and a
// clear question never reaches it.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, startService, type TestService } from "./helpers/service.ts";
import { startFakeLlm, type Behaviour, type FakeLlm } from "./helpers/fakeLlm.ts";
import { PLACE_QUESTIONS, recognisePlaceQuestion } from "../src/places/answers.ts";
import { loadPlaceFacts } from "../src/places/service.ts";
import { PlaceChooser } from "../src/classify/placeChoice.ts";

const PATH = "/api/channels/http/messages";
let llm: FakeLlm;
/** With the LLM, and the same service without one (the behaviour every failure must keep). */
let withLlm: TestService;
let without: TestService;

beforeAll(async () => {
  llm = await startFakeLlm();
  [withLlm, without] = await Promise.all([
    startService({ OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: "sk-test", LLM_MODEL: "test-model", LLM_TIMEOUT_MS: "400", LLM_MAX_RETRIES: "0" }, {}, { settings: EACH_APPEAL_ITS_OWN_CASE }),
    startService({}, {}, { settings: EACH_APPEAL_ITS_OWN_CASE }),
  ]);
});
afterAll(async () => {
  await Promise.all([withLlm?.close(), without?.close()]);
  await llm?.close();
});
beforeEach(() => {
  llm.requests.length = 0;
  llm.respond(null);
});

const isPlaceChoice = (body: any) => String(body.messages?.[0]?.content ?? "").includes("场所清单");
/** The fake model answers place choices with `b`; anything else (the classification of an appeal) fails with 500. */
const placeChoiceAnswers = (b: Behaviour) => llm.respond((body) => (isPlaceChoice(body) ? b : { kind: "status", status: 500 }));
const placeChoices = () => llm.requests.filter(isPlaceChoice);

/** A private message from a resident (each its own conversation). */
const privately = (text: string, senderName = "居民") => ({ messageId: randomUUID(), chatId: `wx-private-${randomUUID()}`, senderId: `wx-${randomUUID()}`, senderName, text });

async function ask(svc: TestService, text: string, senderName?: string) {
  const before = await svc.services.db.case.count();
  const { status, body } = await svc.post(PATH, privately(text, senderName));
  expect(status).toBe(200);
  return { body, text: (body.replies as { text: string }[]).map((r) => r.text).join("\n"), opened: (await svc.services.db.case.count()) - before };
}

const AMBIGUOUS = "那个饭堂几点开门？";
const CANTEEN_HOURS = "幸福社区老年食堂开放时间：周一至周五 11:00-12:30、17:00-18:00";

describe("the LLM chooses the place when the local recogniser cannot", () => {
  it("answers an ambiguous question with the canteen's hours from the data, without a case", async () => {
    const places = await loadPlaceFacts(withLlm.services.db);
    expect(recognisePlaceQuestion(AMBIGUOUS, places)).toBeNull();
    placeChoiceAnswers({ kind: "json", body: { place: "XF-CANTEEN", question: "hours" } });
    const { body, text, opened } = await ask(withLlm, AMBIGUOUS);
    expect(opened).toBe(0);
    expect(body.outcome).toBe("place_info");
    expect(body.case).toBeUndefined();
    expect(text).toContain(CANTEEN_HOURS);
    expect(llm.requests).toHaveLength(1);
    expect(placeChoices()).toHaveLength(1);
  });

  it("goes on as an appeal when the LLM says none", async () => {
    placeChoiceAnswers({ kind: "json", body: { place: "none", question: "none" } });
    const llmSide = await ask(withLlm, AMBIGUOUS);
    const plain = await ask(without, AMBIGUOUS);
    expect(placeChoices()).toHaveLength(1);
    expect(llmSide.body.outcome).toBe(plain.body.outcome);
    expect(llmSide.body.outcome).toBe("appeal");
    expect(llmSide.opened).toBe(plain.opened);
    expect(llmSide.body.case?.matterCode).toBe(plain.body.case?.matterCode);
  });

  const failures: [string, Behaviour][] = [
    ["an unknown place code", { kind: "json", body: { place: "XF-LIBRARY", question: "hours" } }],
    ["an unknown question code", { kind: "json", body: { place: "XF-CANTEEN", question: "menu" } }],
    ["prose", { kind: "answer", content: "您问的应该是幸福社区老年食堂，电话 13800001111。" }],
    ["a timeout", { kind: "hang", ms: 1500 }],
    ["a provider error", { kind: "status", status: 503 }],
  ];
  for (const [what, behaviour] of failures) {
    it(`keeps the local behaviour after ${what}: the same answer, the same outcome`, async () => {
      placeChoiceAnswers(behaviour);
      // The recogniser knows no such place: it says so, as without an LLM.
      const unknown = "请问图书馆在哪里？";
      const a = await ask(withLlm, unknown);
      const b = await ask(without, unknown);
      expect(a.body.outcome).toBe("place_info");
      expect(a.body.outcome).toBe(b.body.outcome);
      expect(a.text).toBe(b.text);
      expect(a.opened).toBe(0);
      expect(a.text).not.toContain("13800001111");
      // No place at all: an appeal, as without an LLM.
      const c = await ask(withLlm, AMBIGUOUS);
      const d = await ask(without, AMBIGUOUS);
      expect(c.body.outcome).toBe("appeal");
      expect(c.body.outcome).toBe(d.body.outcome);
      expect(c.opened).toBe(d.opened);
      expect(c.body.case?.matterCode).toBe(d.body.case?.matterCode);
      expect(placeChoices()).toHaveLength(2);
    });
  }
});

describe("what the LLM is sent", () => {
  it("is the masked message and the places' codes, names and kinds only", async () => {
    placeChoiceAnswers({ kind: "json", body: { place: "XF-CANTEEN", question: "hours" } });
    const { text, opened } = await ask(withLlm, "我是王建国，那个饭堂几点开门？我电话13912345678", "王建国");
    expect(opened).toBe(0);
    expect(text).toContain(CANTEEN_HOURS);
    expect(placeChoices()).toHaveLength(1);
    const sent = JSON.stringify(placeChoices()[0]);
    expect(sent).not.toContain("王建国");
    expect(sent).not.toContain("13912345678");
    const user = placeChoices()[0].messages.at(-1).content as string;
    expect(user).toContain("[姓名]");
    expect(user).toContain("[手机号]");
    expect(user).toContain("那个饭堂几点开门");
    const places = await withLlm.services.db.servicePlace.findMany({ where: { active: true } });
    expect(places.length).toBeGreaterThan(1);
    for (const p of places) {
      expect(sent).toContain(p.code);
      expect(sent).toContain(p.name);
      expect(sent).not.toContain(p.address);
      if (p.phone) expect(sent).not.toContain(p.phone);
    }
  });

  it("asks with the codes as enums when strict JSON schemas are on", () => {
    const chooser = new PlaceChooser({ client: null as never, model: "m", strictJsonSchema: true }, null as never, () => "prompt");
    const body = chooser.request("那个饭堂几点开门", [], [{ code: "XF-CANTEEN", name: "幸福社区老年食堂", kind: "canteen" }]);
    expect(body.response_format).toMatchObject({ type: "json_schema", json_schema: { strict: true, schema: { required: ["place", "question"] } } });
    const props = (body.response_format as any).json_schema.schema.properties;
    expect(props.place.enum).toEqual(["XF-CANTEEN", "none"]);
    expect(props.question.enum).toEqual([...PLACE_QUESTIONS, "none"]);
  });
});

describe("a clear question", () => {
  it("is answered locally without calling the LLM", async () => {
    placeChoiceAnswers({ kind: "json", body: { place: "XF-YOUTH", question: "phone" } });
    const where = await ask(withLlm, "请问老年食堂在哪里？");
    const lunch = await ask(withLlm, "老年食堂几点开门？");
    expect(where.text).toContain("幸福路18号幸福社区党群服务中心一楼东侧");
    expect(lunch.text).toContain(CANTEEN_HOURS);
    expect(where.opened + lunch.opened).toBe(0);
    expect(llm.requests).toHaveLength(0);
  });
});
