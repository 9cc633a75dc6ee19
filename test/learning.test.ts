// The local classifier learns from workers: a correction changes the next classification of a similar appeal,
// without a restart; the model is rebuilt from the database at start; the cascade asks the LLM only when unsure.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { createServices } from "../src/services.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";

const open: TestService[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
let llm: FakeLlm | null = null;
afterAll(async () => {
  await llm?.close();
});

const PATH = "/api/channels/http/messages";

describe("learning from workers", () => {
  it("takes a correction at once for the next similar appeal, and keeps it across a restart", async () => {
    const svc = await startService();
    open.push(svc);
    const { token } = await createApiToken(svc.services.db, { name: "网格员系统", role: "worker" });
    const text = "@小民 小区游泳池的水好几天没换了，又绿又浑";
    const first = (await svc.post(PATH, groupMessage(text, { senderId: "l1" }))).body.case;
    expect(first.matterCode).not.toBe("WY01");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: first.number } });
    expect(kase.status).toBe("needs_review");

    const res = await svc.post(`/api/cases/${first.number}/actions`, { action: "confirm", matterCode: "WY01" }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const corrected = await svc.services.db.case.findUniqueOrThrow({ where: { id: kase.id }, include: { matter: true, leadUnit: true, events: true } });
    expect(corrected.matter?.code).toBe("WY01");
    expect(corrected.leadUnit?.name).toBe("阳光花园物业服务中心");
    expect(corrected.status).toBe("dispatched"); // confirmed cases go on to the unit
    expect(corrected.events.find((e) => e.type === "confirm")?.data).toMatchObject({ corrected: { from: first.matterCode, to: "WY01" } });
    expect(await svc.services.db.labelledExample.findUnique({ where: { caseId: kase.id } })).toMatchObject({ matterCode: "WY01", source: "corrected" });

    const similar = (await svc.post(PATH, groupMessage("@小民 游泳池的水好多天没换了，又绿又浑的", { senderId: "l2" }))).body.case;
    expect(similar.matterCode).toBe("WY01");
    // An unrelated appeal is not pulled towards it.
    const lamp = (await svc.post(PATH, groupMessage("@小民 北门路灯不亮了", { senderId: "l3" }))).body.case;
    expect(lamp.matterCode).toBe("SZ01");

    // A restarted service learns the same from the database.
    const again = await createServices(loadConfig({ NODE_ENV: "test", DATABASE_URL: svc.services.config.DATABASE_URL, LOG_LEVEL: "silent" }), createLogger("silent", false));
    try {
      expect(again.learning.size).toBe(1);
      const c = await again.intake.receive({ channel: "http", messageId: "restart-1", chatId: "yangguang-owners", isGroup: true, senderId: "l4", text: "@小民 游泳池的水好几天没换，又绿又浑", mentionsBot: true }, new Date());
      expect(c.case?.matterCode).toBe("WY01");
    } finally {
      await again.db.$disconnect();
    }
  });

  it("refuses a correction to a matter that is not in the list", async () => {
    const svc = await startService();
    open.push(svc);
    const { token } = await createApiToken(svc.services.db, { name: "网格员系统", role: "worker" });
    const c = (await svc.post(PATH, groupMessage("@小民 今天的天气预报准不准"))).body.case;
    const res = await svc.post(`/api/cases/${c.number}/actions`, { action: "confirm", matterCode: "NOPE" }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe("职责清单中没有事项 NOPE");
    expect(await svc.services.db.labelledExample.count()).toBe(0);
  });
});

describe("the cascade in the service", () => {
  it("asks the LLM only when the local classifier is below the threshold", async () => {
    llm = await startFakeLlm();
    const svc = await startService({ OPENAI_BASE_URL: llm.baseURL, LLM_MAX_RETRIES: "0" });
    open.push(svc);
    await svc.services.settings.update({ cascadeThreshold: 0.9 });
    // Clear to the local classifier: no LLM call.
    const sure = (await svc.post(PATH, groupMessage("@小民 小区北门的路灯不亮了，晚上很黑"))).body.case;
    expect(sure.matterCode).toBe("SZ01");
    expect(llm.requests).toHaveLength(0);
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number: sure.number } })).classSource).toBe("local");
    // Unclear: the LLM decides.
    llm.script({ kind: "json", body: { matter_code: "WY01", urgency: "normal", confidence: 0.8, missing_info: [], rationale: "游泳池属于小区公共设施" } });
    const unsure = (await svc.post(PATH, groupMessage("@小民 小区游泳池的水好几天没换了"))).body.case;
    expect(llm.requests).toHaveLength(1);
    expect(unsure.matterCode).toBe("WY01");
  });
});
