// The HTTP channel end to end: a real server, the real intake, a real SQLite file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, groupMessage, startService, type TestService } from "./helpers/service.ts";

const PATH = "/api/channels/http/messages";
let svc: TestService;

beforeAll(async () => {
  svc = await startService({}, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
});
afterAll(async () => {
  await svc.close();
});

describe("HTTP channel: appeals", () => {
  it("turns a group @mention about a broken elevator into an elevator case, sent to the lead unit, and a reply naming it", async () => {
    const { status, body } = await svc.post(PATH, groupMessage("@小民 3号楼电梯坏了两天了，老人上下楼很困难", { senderId: "wx-zhang" }));
    expect(status).toBe(200);
    expect(body.outcome).toBe("appeal");
    expect(body.case).toMatchObject({ status: "dispatched", matterCode: "DT01", matterName: "电梯故障", leadUnit: "阳光花园物业服务中心" });
    expect(body.case.number).toMatch(/^2\d{3}-\d{6}$/);
    expect(body.replies).toHaveLength(1);
    expect(body.replies[0]).toMatchObject({ chatId: "yangguang-owners", mentions: ["wx-zhang"] });
    expect(body.replies[0].text).toContain(body.case.number);
    expect(body.replies[0].text).toContain("阳光花园物业服务中心");
    expect(body.replies[0].text).toMatch(/前办结/);

    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: body.case.number }, include: { events: true, building: true, grid: true } });
    expect(kase.building?.name).toBe("3号楼");
    expect(kase.grid?.name).toBe("幸福社区第一网格");
    expect(kase.classSource).toBe("local");
    // DT01 is led by the role 小区物业, filled for 幸福社区 by its property company (the seed's roles.json).
    expect(kase.events.map((e) => e.type)).toEqual(["opened", "units_resolved", "dispatch"]);
    expect(kase.events[1].note).toBe("主责：小区物业 → 阳光花园物业服务中心（按 幸福社区 确定）；配合：区市场监督管理局（清单指定）");
    // The reply was delivered in the response; the unit's notice waits for its channel (the simulator's work group).
    const outbox = await svc.services.db.outbox.findMany({ where: { caseId: kase.id }, orderBy: { id: "asc" } });
    expect(outbox.map((o) => [o.channel, o.kind, o.status])).toEqual([
      ["http", "reply", "sent"],
      ["simulator", "unit_dispatch", "pending"],
    ]);
    expect(outbox[1].chatId).toBe("sim-unit-wuye");
    expect(outbox[1].text).toContain("3号楼电梯坏了两天了");
  });

  it("answers the same messageId twice with the first answer and opens no second case", async () => {
    const msg = groupMessage("@小民 小区北门的路灯不亮了，晚上很黑");
    const before = await svc.services.db.case.count();
    const [a, b] = await Promise.all([svc.post(PATH, msg), svc.post(PATH, msg)]);
    const c = await svc.post(PATH, msg);
    expect(a.body.case.matterCode).toBe("SZ01");
    expect(b.body).toEqual(a.body);
    expect(c.body).toEqual(a.body);
    expect(await svc.services.db.case.count()).toBe(before + 1);
    expect(await svc.services.db.inboundMessage.count({ where: { messageId: msg.messageId } })).toBe(1);
  });

  it("accepts a trigger prefix instead of an @mention", async () => {
    const { body } = await svc.post(PATH, groupMessage("#诉求 小区门口的垃圾两天没人收了，臭得不行", { mentionsBot: false }));
    expect(body.case.matterCode).toBe("HW01");
  });

  it("keeps quiet about group chatter that is not addressed to the bot, but stores it", async () => {
    const msg = groupMessage("今晚谁去跳广场舞？", { mentionsBot: false });
    const { body } = await svc.post(PATH, msg);
    expect(body).toMatchObject({ outcome: "not_addressed", replies: [] });
    const row = await svc.services.db.inboundMessage.findFirstOrThrow({ where: { messageId: msg.messageId } });
    expect(row.status).toBe("ignored");
  });

  it("ignores groups that are not on the served list", async () => {
    const { body } = await svc.post(PATH, groupMessage("@小民 电梯坏了", { chatId: "some-other-group", chatName: "钓鱼群" }));
    expect(body.outcome).toBe("ignored");
    expect(body.replies).toEqual([]);
    expect(body.ignored.reason).toBe("group_not_served");
  });

  it("never repeats phone numbers or room numbers in a group reply", async () => {
    const { body } = await svc.post(PATH, groupMessage("@小民 5号楼2单元501室楼上漏水，我电话13812345678，一直没人管"));
    const text = body.replies[0].text;
    expect(body.outcome).toBe("appeal");
    expect(text).not.toContain("13812345678");
    expect(text).not.toContain("501");
    // The case itself keeps the full text for the unit.
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: body.case.number } });
    expect(kase.text).toContain("13812345678");
  });

  it("asks once for a missing location and completes the case from the answer", async () => {
    const first = await svc.post(PATH, groupMessage("@小民 电梯又坏了，困难得很", { senderId: "wx-li", senderName: "李先生" }));
    expect(first.body.case.matterCode).toBe("DT01");
    expect(first.body.replies[0].text).toContain("请补充");
    const number = first.body.case.number;

    // The answer needs no @mention: the bot asked this resident in this group.
    const answer = await svc.post(PATH, groupMessage("8号楼2单元", { senderId: "wx-li", senderName: "李先生", mentionsBot: false }));
    expect(answer.body.outcome).toBe("answer");
    expect(answer.body.case.number).toBe(number);
    expect(answer.body.replies[0].text).toContain(number);

    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { events: true, building: true } });
    expect(kase.location).toContain("8号楼");
    expect(kase.building).toBeNull(); // 8号楼 is in the second grid, not this group's
    expect(kase.missingInfo).toEqual([]);
    expect(kase.events.map((e) => e.type)).toEqual(["opened", "units_resolved", "dispatch", "info_completed"]);

    // Asked once: the next message from the resident is an ordinary one again.
    const later = await svc.post(PATH, groupMessage("好的谢谢", { senderId: "wx-li", senderName: "李先生", mentionsBot: false }));
    expect(later.body.outcome).toBe("not_addressed");
  });

  it("tells a resident the state of a case they quote", async () => {
    const opened = await svc.post(PATH, groupMessage("@小民 楼下广场舞音响开得太大，每天晚上吵到十点"));
    const { body } = await svc.post(PATH, groupMessage(`@小民 ${opened.body.case.number} 怎么样了`));
    expect(body.outcome).toBe("case_query");
    expect(body.replies[0].text).toContain(opened.body.case.number);
    expect(body.replies[0].text).toContain("已派单");
    const missing = await svc.post(PATH, groupMessage("@小民 2026-999999 进度"));
    expect(missing.body.replies[0].text).toContain("未找到该工单，或您无权查看");
  });

  it("answers a greeting, or an opening with no problem in it yet, with help rather than opening a case", async () => {
    const before = await svc.services.db.case.count();
    for (const text of ["@小民 你好", "@小民 尊敬的领导，您好！我想反映一个问题。"]) {
      const { body } = await svc.post(PATH, groupMessage(text));
      expect(body.outcome, text).toBe("chat");
      expect(body.replies[0].text).toContain("说明情况和具体位置");
    }
    expect(await svc.services.db.case.count()).toBe(before);
    // The problem itself, in the next message, opens the case.
    const { body } = await svc.post(PATH, groupMessage("@小民 领导您好，3号楼的电梯坏了两天了"));
    expect(body.case.number).toMatch(/^\d{4}-\d{6}$/);
    expect(await svc.services.db.case.count()).toBe(before + 1);
  });

  it("opens a needs-review case when nothing in the list fits, and says a worker will confirm", async () => {
    const { body } = await svc.post(PATH, { ...groupMessage("今天的天气预报准不准"), isGroup: false, chatId: "wx-wang", senderId: "wx-wang" });
    expect(body.case.status).toBe("needs_review");
    expect(body.replies[0].text).toContain("社区工作人员会尽快确认");
    expect(body.replies[0].mentions).toBeUndefined();
  });
});

describe("HTTP channel: bad input", () => {
  it("names the missing field", async () => {
    const { messageId, chatId, senderId } = groupMessage("");
    const { status, body } = await svc.post(PATH, { messageId, chatId, senderId });
    expect(status).toBe(400);
    expect(body.error.id).toBe("validation_error");
    expect(body.error.field).toBe("text");
    expect(body.error.message).toContain("text");
  });

  it("names a field of the wrong type", async () => {
    const { status, body } = await svc.post(PATH, groupMessage("@小民 电梯坏了", { isGroup: "yes" }));
    expect(status).toBe(400);
    expect(body.error.field).toBe("isGroup");
  });

  it("rejects a body that is not JSON", async () => {
    const { status, body } = await svc.post(PATH, "{not json");
    expect(status).toBe(400);
    expect(body.error.message).toContain("JSON");
  });
});

describe("HTTP channel: access", () => {
  it("requires the bearer token when HTTP_CHANNEL_TOKEN is set", async () => {
    const token = "a-long-test-token-123456";
    const secured = await startService({ HTTP_CHANNEL_TOKEN: token });
    try {
      expect((await secured.post(PATH, groupMessage("@小民 路灯坏了"))).status).toBe(401);
      expect((await secured.post(PATH, groupMessage("@小民 路灯坏了"), { authorization: "Bearer wrong-token-wrong-token" })).status).toBe(401);
      const ok = await secured.post(PATH, groupMessage("@小民 北门路灯坏了"), { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(ok.body.case.matterCode).toBe("SZ01");
    } finally {
      await secured.close();
    }
  });
});
