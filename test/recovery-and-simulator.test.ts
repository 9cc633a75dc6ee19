// Nothing is lost on a crash (a stored message is answered at the next start), and the web simulator shows the flow.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { recoverUnprocessed } from "../src/services.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc.close();
});

describe("persist first, then act", () => {
  it("answers, once, a message a crash left stored but unprocessed", async () => {
    const db = svc.services.db;
    // What the intake writes before anything can fail; the process then died.
    await db.inboundMessage.create({
      data: { channel: "simulator", messageId: "crashed-1", chatId: "sim-yangguang-1", isGroup: true, senderId: "sim-resident-1", senderName: "张阿姨", text: "@小民 4号楼门口的路灯不亮了", mentionsBot: true, raw: {} },
    });
    expect(await recoverUnprocessed(svc.services)).toBe(1);
    const row = await db.inboundMessage.findFirstOrThrow({ where: { messageId: "crashed-1" }, include: { case: { include: { matter: true } } } });
    expect(row.status).toBe("processed");
    expect(row.case?.matter?.code).toBe("SZ01");
    const queued = await db.outbox.findMany({ where: { inReplyTo: row.id } });
    // One reply to the resident (the unit's notice is not a reply to this message).
    expect(queued).toHaveLength(1);
    expect(await recoverUnprocessed(svc.services)).toBe(0);
  });

  it("finishes a half-processed message when the channel delivers it again", async () => {
    const db = svc.services.db;
    await db.inboundMessage.create({
      data: { channel: "http", messageId: "crashed-2", chatId: "yangguang-owners", isGroup: true, senderId: "u9", text: "@小民 小区门口的垃圾没人收", mentionsBot: true, raw: {} },
    });
    const { body } = await svc.post("/api/channels/http/messages", { messageId: "crashed-2", chatId: "yangguang-owners", isGroup: true, senderId: "u9", text: "@小民 小区门口的垃圾没人收", mentionsBot: true });
    expect(body.case.matterCode).toBe("HW01");
    expect(await db.case.count({ where: { messages: { some: { messageId: "crashed-2" } } } })).toBe(1);
  });
});

describe("web simulator", () => {
  it("serves the page", async () => {
    const res = await fetch(`${svc.url}/simulator`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("民呼我应");
  });

  it("lists the simulated groups with their grids", async () => {
    const body: any = await (await fetch(`${svc.url}/api/simulator/chats`)).json();
    expect(body.botName).toBe("小民");
    expect(body.chats).toContainEqual({ chatId: "sim-yangguang-1", name: "阳光花园1-6号楼业主群", isGroup: true, grid: "幸福社区第一网格" });
  });

  it("takes a resident's message and shows it with the bot's reply and the case", async () => {
    const sent = await svc.post("/api/simulator/messages", { chatId: "sim-yangguang-1", senderId: "sim-resident-2", senderName: "李先生", text: "@小民 3号楼电梯坏了两天了，老人上下楼很困难", mentionsBot: true });
    expect(sent.status).toBe(200);
    expect(sent.body.case.matterCode).toBe("DT01");

    const { messages }: any = await (await fetch(`${svc.url}/api/simulator/messages?chatId=sim-yangguang-1`)).json();
    const mine = messages.filter((m: any) => m.caseNumber === sent.body.case.number || m.case?.number === sent.body.case.number);
    expect(mine.map((m: any) => m.from)).toEqual(["resident", "bot"]);
    expect(mine[1].mentions).toEqual([{ id: "sim-resident-2", name: "李先生" }]);
    expect(mine[1].case).toMatchObject({ matter: "电梯故障", leadUnit: "阳光花园物业服务中心", status: "dispatched" });
  });

  it("works as a private chat too", async () => {
    const sent = await svc.post("/api/simulator/messages", { chatId: "sim-private-sim-resident-3", senderId: "sim-resident-3", senderName: "王女士", text: "养老保险断缴了几年，现在怎么补缴" });
    expect(sent.body.case.matterCode).toBe("SB01");
    expect(sent.body.replies[0].mentions).toBeUndefined();
  });

  it("says which field is wrong", async () => {
    const { status, body } = await svc.post("/api/simulator/messages", { chatId: "sim-yangguang-1", senderId: "x", senderName: "李先生", text: "  " });
    expect(status).toBe(400);
    expect(body.error.message).toContain("请输入消息内容");
  });

  it("refuses an unknown simulated group", async () => {
    const { status } = await svc.post("/api/simulator/messages", { chatId: "nope", senderId: "x", senderName: "李先生", text: "你好" });
    expect(status).toBe(404);
  });
});
