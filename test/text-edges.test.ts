// Broken text from a chat (half an emoji, a NUL) is mended where it comes in and the message is kept; settings
// refuse keys that are not theirs. Both were 500s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, startService, type TestService } from "./helpers/service.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";
import { wellFormedStrings, wellFormedText } from "../src/domain/text.ts";

let svc: TestService;
let admin: Session;
beforeAll(async () => {
  svc = await startService({ SIMULATOR_ENABLED: "true" }, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
  ({ admin } = await adminAndWorker(svc, "edges"));
});
afterAll(async () => {
  await svc?.close();
});

describe("broken text", () => {
  it("mends lone surrogates and NULs, and leaves whole emoji alone", () => {
    expect(wellFormedText("电梯坏了\ud83d")).toBe("电梯坏了\ufffd");
    expect(wellFormedText("\udc00开头")).toBe("\ufffd开头");
    expect(wellFormedText("空\u0000字符")).toBe("空\ufffd字符");
    expect(wellFormedText("好的👍")).toBe("好的👍");
    const mended = wellFormedStrings(JSON.parse('{"__proto__": {"a": "\\ud800"}, "list": ["x\\u0000"]}'));
    expect(Object.getPrototypeOf(mended)).toBe(Object.prototype);
    expect(JSON.stringify(mended)).toBe(JSON.stringify({ ["__proto__"]: { a: "\ufffd" }, list: ["x\ufffd"] }));
  });

  it("keeps a chat message with half an emoji and answers it, rather than failing with nothing stored", async () => {
    // The JSON escape, as a client that cut an emoji in two sends it.
    const body = '{"messageId":"broken-1","chatId":"p-broken","isGroup":false,"senderId":"r-broken","senderName":"张\\ud800","text":"3号楼电梯坏了\\ud83d\\u0000"}';
    const res = await svc.post("/api/channels/http/messages", body);
    expect(res.status).toBe(200);
    expect(res.body.case.number).toMatch(/^\d{4}-\d{6}$/);
    const row = await svc.services.db.inboundMessage.findFirstOrThrow({ where: { messageId: "broken-1" } });
    expect(row.text).toBe("3号楼电梯坏了\ufffd\ufffd");
    expect(row.senderName).toBe("张\ufffd");
  });

  it("mends the simulator's messages and a worker's note the same way", async () => {
    const sim = await svc.post("/api/simulator/messages", '{"chatId":"sim-private-broken","senderId":"sim-broken","senderName":"李","text":"路灯不亮了\\udfff"}');
    expect(sim.status).toBe(200);
    const number = sim.body.case.number as string;
    const note = await callAs(svc, admin, "POST", `/api/cases/${number}/actions`, { action: "note", text: "已联系\ud800物业" });
    expect(note.status).toBe(200);
    const events = await svc.services.db.caseEvent.findMany({ where: { case: { number }, type: "internal_note" } });
    expect(events.map((e) => e.note)).toEqual(["已联系\ufffd物业"]);
  });
});

describe("deep bodies", () => {
  it("refuses a body nested thousands deep with a 400, and the service goes on", async () => {
    const deep = "[".repeat(50_000) + "]".repeat(50_000); // 100 KB, within the body limit
    const res = await fetch(`${svc.url}/api/admin/settings`, { method: "PATCH", headers: { "content-type": "application/json", cookie: admin.cookie, "x-csrf-token": admin.csrf }, body: deep });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toBe("请求体嵌套层数过多");
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
  });
});

describe("settings", () => {
  it.each(["constructor", "toString", "hasOwnProperty"])("refuses %s as a setting's name", async (key) => {
    const res = await callAs(svc, admin, "PATCH", "/api/admin/settings", JSON.parse(`{"${key}": 1}`));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(`没有设置项 ${key}`);
  });

  it("refuses a body that tries to set __proto__ (the body parser already does)", async () => {
    const res = await callAs(svc, admin, "PATCH", "/api/admin/settings", JSON.parse('{"__proto__": {"autoDispatch": false}}'));
    expect(res.status).toBe(400);
    expect((await svc.services.settings.current()).autoDispatch).toBe(true);
  });
});
