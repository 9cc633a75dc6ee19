// Who may see and act on a case, tried as the attacks the policy stops: a unit reading cases nobody has sent it,
// a cooperating unit closing another's case, a worker merging into another grid's case, a stranger in a chat
// asking about someone else's case, and case numbers probed by the difference between "missing" and "not yours".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { callAs, signIn } from "./helpers/session.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { createUser } from "../src/auth/users.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";

const HTTP = "/api/channels/http/messages";
let svc: TestService;
let llm: FakeLlm;
let propertyId = 0;
let propertyToken = "";

beforeAll(async () => {
  // A model that guesses, unsure: every appeal waits for a worker, with the guessed matter's lead unit on it.
  llm = await startFakeLlm();
  llm.respond((body) => {
    const appeal = String(body.messages.at(-1).content);
    return { kind: "json", body: { matter_code: appeal.includes("垃圾") ? "HW01" : "DT01", urgency: "normal", confidence: 0.3 } };
  });
  svc = await startService({ OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: "sk-test", LLM_MODEL: "stand-in", LLM_MAX_RETRIES: "0" });
  propertyId = (await svc.services.db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } })).id;
  propertyToken = (await createApiToken(svc.services.db, { name: "物业系统", role: "unit", unitId: propertyId })).token;
});
afterAll(async () => {
  await svc?.close();
  await llm?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function readAs(token: string, path: string) {
  const res = await fetch(svc.url + path, { headers: bearer(token) });
  return { status: res.status, body: (await res.json()) as any };
}
/** A case opened from the HTTP demo group (grid 幸福社区第一网格), waiting for review. */
async function appeal(text: string, senderId = `resident-${Math.random()}`) {
  const { body } = await svc.post(HTTP, groupMessage(`@小民 ${text}`, { senderId }));
  return body.case.number as string;
}
async function workerOf(grid: string, name: string) {
  const gridId = (await svc.services.db.area.findFirstOrThrow({ where: { name: grid } })).id;
  await createUser(svc.services.db, { username: name, displayName: name, role: "worker", gridIds: [gridId], password: `${name}-password` });
  return signIn(svc, name, `${name}-password`);
}

describe("a unit sees a case only once it has been dispatched to it", () => {
  it("keeps an unconfirmed case, with the resident's phone, from the unit the bot guessed", async () => {
    const number = await appeal("3号楼电梯坏了两天了，电话13911112222");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
    expect(kase.status).toBe("needs_review");
    expect(kase.leadUnitId).toBe(propertyId); // the bot's guess

    const detail = await readAs(propertyToken, `/api/cases/${number}`);
    expect(detail.status).toBe(404);
    const list = await readAs(propertyToken, "/api/cases?pageSize=100");
    expect(list.body.cases.map((c: { number: string }) => c.number)).not.toContain(number);
    expect(JSON.stringify(list.body)).not.toContain("13911112222");
    const note = await svc.post(`/api/cases/${number}/actions`, { action: "note", text: "我们已知晓", public: true }, bearer(propertyToken));
    expect(note.status).toBe(404);
    expect(await svc.services.db.caseEvent.count({ where: { caseId: kase.id, type: "public_note" } })).toBe(0);
  });

  it("shows it once a worker has confirmed it (which dispatches it)", async () => {
    const number = await appeal("5号楼电梯门关不上");
    const worker = await workerOf("幸福社区第一网格", "grid1-dispatcher");
    expect((await callAs(svc, worker, "POST", `/api/cases/${number}/actions`, { action: "confirm" })).body.status).toBe("dispatched");
    const detail = await readAs(propertyToken, `/api/cases/${number}`);
    expect(detail.status).toBe(200);
    expect(detail.body.status).toBe("dispatched");
  });

  it("lets a cooperating unit add notes to a dispatched case, and nothing else", async () => {
    const number = await appeal("6号楼电梯异响");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
    const police = await svc.services.db.unit.findUniqueOrThrow({ where: { name: "阳光派出所" } });
    await svc.services.db.caseCooperatingUnit.create({ data: { caseId: kase.id, unitId: police.id } });
    const policeToken = (await createApiToken(svc.services.db, { name: "派出所", role: "unit", unitId: police.id })).token;
    expect((await readAs(policeToken, `/api/cases/${number}`)).status).toBe(404); // not dispatched yet

    const worker = await workerOf("幸福社区第一网格", "grid1-coop");
    expect((await callAs(svc, worker, "POST", `/api/cases/${number}/actions`, { action: "confirm" })).body.status).toBe("dispatched");
    await svc.services.db.caseCooperatingUnit.upsert({ where: { caseId_unitId: { caseId: kase.id, unitId: police.id } }, create: { caseId: kase.id, unitId: police.id }, update: {} });
    expect((await readAs(policeToken, `/api/cases/${number}`)).status).toBe(200);
    const note = await svc.post(`/api/cases/${number}/actions`, { action: "note", text: "已协助核实" }, bearer(policeToken));
    expect(note.status).toBe(200);
    const resolve = await svc.post(`/api/cases/${number}/actions`, { action: "resolve", text: "已处理" }, bearer(policeToken));
    expect(resolve.status).toBe(403);
    expect(resolve.body.error.message).toBe("配合单位只能添加进展或备注");
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number } })).status).toBe("dispatched");
  });

  it("refuses a unit's chat command on a case not yet dispatched to it, in the words used for a missing one", async () => {
    await svc.services.db.unitContact.create({ data: { unitId: propertyId, kind: "room", channel: "http", address: "property-work-room", name: "物业工作群" } });
    const number = await appeal("2号楼电梯按钮失灵");
    const command = (text: string) => svc.post(HTTP, { messageId: `cmd-${Math.random()}`, chatId: "property-work-room", chatName: "物业工作群", isGroup: true, senderId: "staff-1", senderName: "物业小王", text, mentionsBot: true });
    const early = await command(`${number} 已办结 已修好`);
    const missing = await command("2026-999998 已办结 已修好");
    expect(early.body.replies[0].text).toBe(missing.body.replies[0].text.replace("2026-999998", number));
    expect(early.body.replies[0].text).toContain("未找到该工单，或您无权查看");
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number } })).status).toBe("needs_review");
  });
});

describe("what the case detail offers (allowedActions, drawn by the console)", () => {
  it("offers a worker the review actions of a case waiting for review, and a unit nothing before dispatch", async () => {
    const number = await appeal("9号楼电梯按钮坏了");
    const worker = await workerOf("幸福社区第一网格", "grid1-reviewer");
    const detail = await callAs(svc, worker, "GET", `/api/cases/${number}`);
    expect(detail.body.allowedActions.sort()).toEqual(["confirm", "merge", "note", "reject", "transcribe", "withdraw"]);
    expect(detail.body).toMatchObject({ working: false, overdue: false });
  });

  it("offers the lead unit its work, a cooperating unit only the note, and each exactly what the action route accepts", async () => {
    const number = await appeal("10号楼电梯困人后已救出，需要检修");
    const worker = await workerOf("幸福社区第一网格", "grid1-offers");
    await callAs(svc, worker, "POST", `/api/cases/${number}/actions`, { action: "confirm" });
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
    const police = await svc.services.db.unit.findUniqueOrThrow({ where: { name: "阳光派出所" } });
    await svc.services.db.caseCooperatingUnit.upsert({ where: { caseId_unitId: { caseId: kase.id, unitId: police.id } }, create: { caseId: kase.id, unitId: police.id }, update: {} });
    const policeToken = (await createApiToken(svc.services.db, { name: "派出所-offers", role: "unit", unitId: police.id })).token;

    const lead = await readAs(propertyToken, `/api/cases/${number}`);
    expect(lead.body.allowedActions.sort()).toEqual(["accept", "note", "resolve", "return", "start"]);
    expect(lead.body.working).toBe(true);
    expect((await readAs(policeToken, `/api/cases/${number}`)).body.allowedActions).toEqual(["note"]);
    // Offered is accepted; not offered is refused.
    expect((await svc.post(`/api/cases/${number}/actions`, { action: "start" }, bearer(propertyToken))).status).toBe(200);
    expect((await svc.post(`/api/cases/${number}/actions`, { action: "start" }, bearer(policeToken))).status).toBe(403);
    const after = await readAs(propertyToken, `/api/cases/${number}`);
    expect(after.body.allowedActions).not.toContain("start"); // in progress now
  });
});

describe("merge checks both cases", () => {
  it("does not let a worker merge into another grid's case, and answers as for a missing number", async () => {
    const mine = await appeal("1号楼门口垃圾没人清运");
    const grid2 = (await svc.services.db.area.findFirstOrThrow({ where: { name: "幸福社区第二网格" } })).id;
    const theirs = await appeal("8号楼门口垃圾没人清运");
    await svc.services.db.case.update({ where: { number: theirs }, data: { gridId: grid2 } });
    const worker = await workerOf("幸福社区第一网格", "grid1-merger");

    const intoOther = await callAs(svc, worker, "POST", `/api/cases/${mine}/actions`, { action: "merge", mergeInto: theirs });
    const intoMissing = await callAs(svc, worker, "POST", `/api/cases/${mine}/actions`, { action: "merge", mergeInto: "2026-999997" });
    expect(intoOther.status).toBe(404);
    expect(intoOther.body).toEqual(intoMissing.body);
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number: mine } })).status).toBe("needs_review");
    // And another grid's case itself reads like a missing one.
    const other = await callAs(svc, worker, "GET", `/api/cases/${theirs}`);
    const missing = await callAs(svc, worker, "GET", "/api/cases/2026-999997");
    expect(other.status).toBe(404);
    expect(other.body).toEqual(missing.body);
  });
});

describe("case lookup in a chat", () => {
  it("answers a stranger as for a missing number, and keeps their words off the case", async () => {
    const number = await appeal("4号楼电梯又坏了", "owner-of-case");
    const stranger = await svc.post(HTTP, { messageId: `q-${Math.random()}`, chatId: "stranger-private", isGroup: false, senderId: "stranger", senderName: "路人", text: `${number} 怎么样了` });
    expect(stranger.body.replies[0].text).toContain("未找到该工单，或您无权查看");
    expect(stranger.body.replies[0].text).not.toContain("电梯");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { events: true, messages: true } });
    expect(kase.events.filter((e) => e.type === "resident_message")).toEqual([]);
    expect(kase.messages.map((m) => m.senderId)).not.toContain("stranger");
  });

  it("answers the resident who raised it, privately, and the group it was raised in", async () => {
    const number = await appeal("7号楼电梯灯不亮", "owner-2");
    const own = await svc.post(HTTP, { messageId: `q-${Math.random()}`, chatId: "owner-2-private", isGroup: false, senderId: "owner-2", senderName: "业主", text: `${number} 进度` });
    expect(own.body.outcome).toBe("case_query");
    expect(own.body.replies[0].text).toContain("电梯");
    const inGroup = await svc.post(HTTP, groupMessage(`@小民 ${number} 怎么样了`, { senderId: "neighbour" }));
    expect(inGroup.body.replies[0].text).toContain(number);
    expect(inGroup.body.replies[0].text).not.toContain("无权查看");
  });
});
