// The local classifier learns from workers: a correction changes the next classification of a similar appeal,
// without a restart; the model is rebuilt from the database at start; the cascade asks the LLM only when unsure.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { createServices } from "../src/services.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { LearningStore, TRAIN_IN_BACKGROUND_ABOVE } from "../src/classify/learning.ts";
import { LinearTextModel } from "../src/classify/linear.ts";
import { WorkerTrainer } from "../src/classify/trainer.ts";
import { seededRandom } from "../src/classify/random.ts";
import type { Db } from "../src/db.ts";
import { pino } from "pino";

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
      await again.learning.close();
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

/** Synthetic appeals for `labels` matters: a matter's own word among common ones (speed, not sense). */
function syntheticExamples(n: number, labels: number, seed = 7) {
  const random = seededRandom(seed);
  const common = "小区 楼道 门口 晚上 白天 邻居 物业 社区 马路 停车 垃圾 噪音 漏水 路灯 电梯 绿化 施工 占道 宠物 管道 墙面 窗户 广场 车库".split(" ");
  const own = Array.from({ length: labels }, (_, k) => "事项" + String.fromCharCode(0x4e00 + k * 37) + String.fromCharCode(0x4e10 + k * 53));
  return Array.from({ length: n }, (_, i) => {
    const k = i % labels;
    const words = Array.from({ length: 10 }, () => common[Math.floor(random() * common.length)]);
    words.splice(Math.floor(random() * words.length), 0, own[k]);
    return { text: words.join("，") + "的问题", label: `T${String(k + 1).padStart(2, "0")}` };
  });
}

describe("retraining in a worker thread", () => {
  it("answers HTTP requests while the model trains", async () => {
    const svc = await startService();
    open.push(svc);
    const { token } = await createApiToken(svc.services.db, { name: "网格员系统", role: "worker" });
    await svc.services.db.labelledExample.createMany({ data: syntheticExamples(3000, 60).map((e) => ({ text: e.text, matterCode: e.label, source: "imported" })) });
    const c = (await svc.post(PATH, groupMessage("@小民 小区游泳池的水好几天没换了，又绿又浑"))).body.case;

    // The confirmation stores the example and starts retraining on all 3,001 examples.
    expect((await svc.post(`/api/cases/${c.number}/actions`, { action: "confirm", matterCode: "WY01" }, { authorization: `Bearer ${token}` })).status).toBe(200);
    let trained = false;
    const training = svc.services.learning.trained().then(() => (trained = true));
    // Training on the service's own thread would hold this request until it was done.
    const health = await fetch(svc.url + "/health");
    expect(health.status).toBe(200);
    expect(trained).toBe(false);

    await training;
    const { model, neighbours } = svc.services.learning.learned;
    expect(model?.labels).toHaveLength(61);
    expect(neighbours?.size).toBe(3001);
  });

  it("keeps the previous model when training in the worker fails, and says so in the log", async () => {
    const rows = syntheticExamples(40, 4).map((e) => ({ text: e.text, matterCode: e.label }));
    const db = {
      labelledExample: {
        findMany: async () => rows,
        create: async ({ data }: { data: { text: string; matterCode: string } }) => rows.push(data),
      },
    } as unknown as Db;
    const lines: string[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => void lines.push(line) });
    const learning = new LearningStore(db, log, new WorkerTrainer(new URL("./fixtures/failingTrainWorker.mjs", import.meta.url)));
    try {
      await learning.load();
      const before = learning.learned.model;
      expect(before).not.toBeNull();
      await learning.learn({ text: "小区游泳池的水好几天没换了", matterCode: "T05", source: "imported" });
      await learning.trained();
      expect(learning.learned.model).toBe(before);
      expect(learning.learned.neighbours?.size).toBe(41); // the example still counts, through the example index
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["retraining the local classifier failed; the previous model stays in force"]);
    } finally {
      await learning.close();
    }
  });

  it("starts answering from the example index when there are many examples, and the model joins from the worker", async () => {
    const rows = syntheticExamples(TRAIN_IN_BACKGROUND_ABOVE + 1, 5).map((e) => ({ text: e.text, matterCode: e.label }));
    const db = { labelledExample: { findMany: async () => rows } } as unknown as Db;
    const learning = new LearningStore(db, pino({ level: "silent" }));
    try {
      await learning.load();
      expect(learning.learned.neighbours?.size).toBe(rows.length); // similar confirmed cases count from the start
      expect(learning.learned.model).toBeNull(); // still training in the worker
      await learning.trained();
      expect(learning.learned.model?.labels).toHaveLength(5);
    } finally {
      await learning.close();
    }
  });

  it("moves a trained model between threads as plain arrays and scores the same", () => {
    const examples = syntheticExamples(200, 5);
    const model = LinearTextModel.train(examples);
    const expected = examples.slice(0, 20).map((e) => model.predict(e.text, 3));
    const { data, transfer } = model.toTransfer();
    const copy = LinearTextModel.fromTransfer(structuredClone(data, { transfer }));
    expect(examples.slice(0, 20).map((e) => copy.predict(e.text, 3))).toEqual(expected);
    expect(data.weight.length).toBe(0); // moved, not copied
  });
});
