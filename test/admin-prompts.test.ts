// Administrators tune the classification prompt: versions with author and note, diff, preview through the
// real openai SDK against a local OpenAI-compatible server, evaluation on the confirmed cases and on an uploaded
// set, activation gated by the evaluation, rollback, and the version recorded on each case.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { createUser } from "../src/auth/users.ts";
import { callAs, signIn, type Session } from "./helpers/session.ts";

// Each test has its own service, database and stand-in model: the active version, the version numbers and the
// evaluations are the database's, so no test sees what another saved, evaluated or activated.
let llm: FakeLlm;
let svc: TestService;
let admin: Session;
let worker: Session;

/** The labelled appeals the database holds as confirmed cases, with the matter a careful reader picks. */
const CONFIRMED: [string, string][] = [
  ["3号楼电梯停了两天", "DT01"],
  ["电梯门关不上，一直响", "DT01"],
  ["楼下垃圾桶满了没人清运", "HW01"],
  ["垃圾站三天没收了，很臭", "HW01"],
  ["北门路灯坏了，晚上很黑", "SZ01"],
  ["小区路灯一到晚上就不亮", "SZ01"],
];
const answerFor = (text: string) => CONFIRMED.find(([t]) => text.includes(t))?.[1] ?? "none";

const call = async (method: string, path: string, body?: unknown, as: Session = admin) => callAs(svc, as, method, path, body);
async function finished(id: number) {
  for (let i = 0; i < 200; i++) {
    const e = await call("GET", `/api/admin/evaluations/${id}`);
    if (e.body.status !== "running") return e.body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("evaluation did not finish");
}
const save = async (system: string, note: string) => {
  const base = (await call("GET", "/api/admin/prompts/1")).body;
  return call("POST", "/api/admin/prompts", { system, user: base.user, note });
};
/** Version 1 with a line added to its system prompt, saved; its id. */
async function saveWith(line: string, note: string): Promise<number> {
  const v1 = (await call("GET", "/api/admin/prompts/1")).body;
  const saved = await save(`${v1.system}\n${line}`, note);
  expect(saved.status).toBe(201);
  return saved.body.id;
}
/** A version that tells the stand-in to read carefully (it answers right), and one that tells it to hurry. */
const saveCareful = () => saveWith("请逐字核对诉求后再选择事项。", "要求逐字核对");
const saveCareless = () => saveWith("可以草率一些，快速回答。", "图省事");
/** Evaluates a version with the LLM on the confirmed cases, to the end. */
async function evaluate(promptVersionId: number) {
  const started = await call("POST", "/api/admin/evaluations", { promptVersionId, classifier: "llm", dataset: "confirmed" });
  expect(started.status).toBe(202);
  return finished(started.body.id);
}

beforeEach(async () => {
  llm = await startFakeLlm();
  // A stand-in model that reads carefully only when the system prompt tells it to ("逐字核对"); otherwise it
  // answers 垃圾 for everything, like a careless prompt would.
  llm.respond((body) => {
    const system = body.messages[0].content as string;
    const user = body.messages.at(-1).content as string;
    const careful = system.includes("逐字核对") || !system.includes("草率");
    return { kind: "json", body: { matter_code: careful ? answerFor(user) : "HW01", urgency: "normal", confidence: 0.9, missing_info: [], rationale: "测试" } };
  });
  svc = await startService({ OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: "sk-test", LLM_MODEL: "stand-in", LLM_MAX_RETRIES: "0" });
  const db = svc.services.db;
  for (const [text, matterCode] of CONFIRMED) await db.labelledExample.create({ data: { text, matterCode, source: "confirmed" } });
  await createUser(db, { username: "root", displayName: "管理员甲", role: "admin", password: "admin-pass-1" });
  await createUser(db, { username: "grid", displayName: "网格员乙", role: "worker", password: "worker-pass-1" });
  admin = await signIn(svc, "root", "admin-pass-1");
  worker = await signIn(svc, "grid", "worker-pass-1");
});
afterEach(async () => {
  await svc?.close();
  await llm?.close();
});

describe("prompt versions", () => {
  it("start from the files in prompts/ as version 1, active", async () => {
    const { body } = await call("GET", "/api/admin/prompts");
    expect(body.llm).toEqual({ configured: true, model: "stand-in" });
    expect(body.versions).toHaveLength(1);
    expect(body.versions[0]).toMatchObject({ id: 1, active: true, author: "系统" });
    const v1 = (await call("GET", "/api/admin/prompts/1")).body;
    expect(v1.system).toContain("{{matters}}");
    expect(v1.user).toContain("{{appeal}}");
  });

  it("are for administrators only", async () => {
    expect((await call("GET", "/api/admin/prompts", undefined, worker)).status).toBe(403);
    expect((await call("POST", "/api/admin/prompts", { system: "x", user: "y", note: "z" }, worker)).status).toBe(403);
    expect((await fetch(`${svc.url}/api/admin/prompts`)).status).toBe(401);
  });

  it("refuse a prompt with an unknown placeholder or without the appeal, saying which", async () => {
    const bad = await call("POST", "/api/admin/prompts", { system: "{{matters}} {{city}}", user: "诉求：", note: "试试" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("未知的占位符 {{city}}");
    expect(bad.body.error.message).toContain("缺少占位符 {{appeal}}");
    expect((await call("POST", "/api/admin/prompts", { system: "{{matters}}", user: "{{appeal}}", note: "" })).body.error.message).toContain("请说明这次修改了什么");
  });

  it("save each change as a new version with author and note, and diff it against the active one", async () => {
    const v1 = (await call("GET", "/api/admin/prompts/1")).body;
    const saved = await save(`${v1.system}\n请逐字核对诉求后再选择事项。`, "要求逐字核对");
    expect(saved.status).toBe(201);
    expect(saved.body.id).toBe(2);
    const list = (await call("GET", "/api/admin/prompts")).body.versions;
    expect(list[0]).toMatchObject({ id: 2, note: "要求逐字核对", author: "管理员甲", active: false });
    const diff = (await call("GET", `/api/admin/prompts/${saved.body.id}/diff`)).body;
    expect(diff.against).toBe(1);
    expect(diff.system.filter((p: any) => p.kind === "added").map((p: any) => p.text).join("")).toContain("请逐字核对诉求后再选择事项。");
    expect(diff.user.every((p: any) => p.kind === "same")).toBe(true);
  });
});

describe("preview", () => {
  it("shows the exact request, the raw answer, the parsed result, time and tokens", async () => {
    const careful = await saveCareful();
    const { status, body } = await call("POST", `/api/admin/prompts/${careful}/preview`, { text: "3号楼电梯停了两天，老人下不了楼" });
    expect(status).toBe(200);
    expect(body.configured).toBe(true);
    expect(body.requests).toHaveLength(1);
    expect(body.requests[0].model).toBe("stand-in");
    expect(body.requests[0].messages[0].content).toContain("请逐字核对诉求后再选择事项。");
    expect(body.requests[0].messages.at(-1).content).toContain("3号楼电梯停了两天，老人下不了楼");
    expect(body.requests[0]).toEqual(llm.requests.at(-1)); // what the provider received, exactly
    expect(JSON.parse(body.answers[0].content).matter_code).toBe("DT01");
    expect(body.parsed).toMatchObject({ matterCode: "DT01", matterName: "电梯故障", usage: { promptTokens: 1200, completionTokens: 40 } });
    expect(body.ms).toBeGreaterThanOrEqual(0);
    expect(body.local.matterCode).toBe("DT01");
  });
});

describe("evaluation, activation and rollback", () => {
  it("measures versions on the confirmed cases, with progress, per-matter figures, mistakes, calls and tokens", async () => {
    const careful = await saveCareful();
    const careless = await saveCareless();
    const results: Record<number, any> = {};
    for (const id of [1, careful, careless]) {
      const started = await call("POST", "/api/admin/evaluations", { promptVersionId: id, classifier: "llm", dataset: "confirmed" });
      expect(started.status).toBe(202);
      expect(started.body.total).toBe(CONFIRMED.length);
      results[id] = await finished(started.body.id);
    }
    expect(results[careful]).toMatchObject({ status: "done", done: 6, total: 6 });
    expect(results[careful].result).toMatchObject({ n: 6, accuracy: 1, macroF1: 1, llmCalls: 6, failures: 0, tokens: { prompt: 7200, completion: 240, cached: 6144 } });
    expect(results[careless].result.accuracy).toBeCloseTo(2 / 6, 4);
    expect(results[careless].result.perLabel["电梯故障"]).toMatchObject({ recall: 0, support: 2 });
    expect(results[careless].result.confusions).toEqual(expect.arrayContaining([{ actual: "电梯故障", predicted: "生活垃圾清运不及时", count: 2 }]));
    // A confirmed case is never shown to the model as its own example.
    const sent = llm.requests.slice(-6).map((r) => r.messages.at(-1).content as string);
    for (const [i, [text]] of CONFIRMED.entries()) expect(sent[i].match(new RegExp(text, "g"))).toHaveLength(1);
  });

  it("activates a better version at once, and needs a confirmation for a worse one", async () => {
    const careful = await saveCareful();
    const careless = await saveCareless();
    for (const id of [1, careful, careless]) expect(await evaluate(id)).toMatchObject({ status: "done" });
    const better = await call("POST", `/api/admin/prompts/${careful}/activate`, {});
    expect(better.status).toBe(200);
    expect(better.body.comparison).toMatchObject({ worse: false, candidate: { macroF1: 1 } });

    const worse = await call("POST", `/api/admin/prompts/${careless}/activate`, {});
    expect(worse.status).toBe(409);
    expect(worse.body.error.id).toBe("needs_confirmation");
    expect(worse.body.error.comparison).toMatchObject({ worse: true, active: { macroF1: 1 }, dataset: "已确认工单（6 条）" });
    expect((await call("GET", "/api/admin/prompts")).body.versions.find((v: any) => v.active).id).toBe(careful);

    const confirmed = await call("POST", `/api/admin/prompts/${careless}/activate`, { confirmed: true });
    expect(confirmed.status).toBe(200);
  });

  it("classifies new appeals with the active version and records it on the case", async () => {
    const careless = await saveCareless();
    expect((await call("POST", `/api/admin/prompts/${careless}/activate`, { confirmed: true })).status).toBe(200);
    const { body } = await svc.post("/api/channels/http/messages", groupMessage("@小民 3号楼电梯停了两天"));
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: body.case.number }, include: { matter: true } });
    expect(kase.promptVersionId).toBe(careless);
    expect(kase.matter?.code).toBe("HW01"); // the careless prompt's answer
    const detail = (await call("GET", `/api/cases/${body.case.number}`)).body;
    expect(detail.classification).toMatchObject({ source: "llm", promptVersionId: careless, listVersionId: svc.services.reference.listVersionId });
  });

  it("rolls back to an earlier version in one step", async () => {
    // Neither version was evaluated: going back to one that was live before needs no comparison.
    const careful = await saveCareful();
    const careless = await saveCareless();
    for (const id of [careful, careless]) expect((await call("POST", `/api/admin/prompts/${id}/activate`, { confirmed: true })).status).toBe(200);
    const back = await call("POST", `/api/admin/prompts/${careful}/activate`, {});
    expect(back.status).toBe(200);
    const { body } = await svc.post("/api/channels/http/messages", groupMessage("@小民 3号楼电梯停了两天"));
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: body.case.number }, include: { matter: true } });
    expect(kase.promptVersionId).toBe(careful);
    expect(kase.matter?.code).toBe("DT01");
  });

  it("evaluates the local classifier by cross-validation on the confirmed cases, and on an uploaded file", async () => {
    const cv = await finished((await call("POST", "/api/admin/evaluations", { classifier: "local", dataset: "confirmed" })).body.id);
    expect(cv.result).toMatchObject({ n: 6, llmCalls: 0 });
    expect(cv.result.method).toContain("交叉验证");
    const file = "诉求\t事项\n单元楼电梯又停了\t电梯故障\n路灯坏了好几天\tSZ01\n";
    const up = await call("POST", "/api/admin/evaluations", { classifier: "local", dataset: "upload", fileName: "抽检.tsv", content: file });
    const done = await finished(up.body.id);
    expect(done).toMatchObject({ dataset: "抽检.tsv", total: 2, status: "done" });
    expect(done.result.accuracy).toBe(1);
  });

  it("names the lines of an uploaded file it cannot read", async () => {
    const bad = await call("POST", "/api/admin/evaluations", { classifier: "local", dataset: "upload", content: "电梯坏了\tDT01\n路灯坏了\t不存在的事项\n没有标签的一行\n" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("第 2 行：“不存在的事项”不是清单中的事项编码或名称；第 3 行：应为“诉求<TAB>事项”");
  });
});
