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
import { InThreadTrainer, WorkerTrainer, type LabelledExample, type Learned, type ModelTrainer, type TrainOptions } from "../src/classify/trainer.ts";
import { NeighbourIndex } from "../src/classify/neighbours.ts";
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
      // The example still counts, added to the index in force (which the failed thread did not replace).
      expect(learning.learned.neighbours?.size).toBe(41);
      expect(learning.learned.neighbours?.exact).toBe(false);
      expect(learning.learned.neighbours?.nearest("小区游泳池的水好几天没换了", 1)[0]).toMatchObject({ label: "T05", similarity: 1 });
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

/** An in-memory example table, as LearningStore reads and writes it. */
function exampleTable(rows: { text: string; matterCode: string }[]) {
  return {
    labelledExample: {
      findMany: async () => rows.slice(),
      create: async ({ data }: { data: { text: string; matterCode: string } }) => rows.push({ text: data.text, matterCode: data.matterCode }),
    },
  } as unknown as Db;
}

/** Trains on this thread, but only when the test lets each training go (so it can act while one is under way). */
class GatedTrainer implements ModelTrainer {
  readonly requests: { examples: number; index: boolean }[] = [];
  private readonly gates: (() => void)[] = [];
  private readonly inner = new InThreadTrainer();

  async train(examples: LabelledExample[], options: TrainOptions): Promise<Learned> {
    this.requests.push({ examples: examples.length, index: options.index });
    await new Promise<void>((go) => this.gates.push(go));
    return this.inner.train(examples, options);
  }

  /** Lets the oldest waiting training run, once one is waiting. */
  async release(): Promise<void> {
    while (!this.gates.length) await new Promise((r) => setTimeout(r, 1));
    this.gates.shift()!();
  }

  async close(): Promise<void> {}
}

const snapshot = (index: NeighbourIndex | null) => index?.toTransfer().data;

describe("the example index between full builds", () => {
  it("finds an added example at once, before any training has run", async () => {
    const rows = syntheticExamples(40, 4).map((e) => ({ text: e.text, matterCode: e.label }));
    const trainer = new GatedTrainer();
    const learning = new LearningStore(exampleTable(rows), pino({ level: "silent" }), trainer);
    await learning.load();
    const index = learning.learned.neighbours;
    expect(index?.exact).toBe(true);

    void learning.learn({ text: "小区游泳池的水好几天没换了，又绿又浑", matterCode: "T03", source: "imported" });
    await new Promise((r) => setTimeout(r, 0)); // learn() has stored the example; the training waits at the gate
    expect(trainer.requests).toEqual([{ examples: 41, index: true }]);
    expect(learning.learned.neighbours).toBe(index); // the same index, with the example added
    expect(index?.size).toBe(41);
    expect(index?.exact).toBe(false);
    expect(index?.nearest("游泳池的水好多天没换了，又绿又浑的", 1, 0.5)[0]).toMatchObject({ index: 40, label: "T03" });
    // An unrelated text is not pulled towards it.
    expect(index?.nearest("北门路灯不亮了", 1, 0.5)).toEqual([]);

    await trainer.release();
    await learning.trained();
    expect(learning.learned.neighbours).not.toBe(index);
    expect(learning.learned.neighbours?.exact).toBe(true);
    expect(snapshot(learning.learned.neighbours)).toEqual(snapshot(NeighbourIndex.build(rows.map((r) => ({ text: r.text, label: r.matterCode })))));
  });

  it("ends the training thread once it has had nothing to do for a while, and starts it again for the next training", async () => {
    const examples = syntheticExamples(40, 3);
    const trainer = new WorkerTrainer(undefined, 300);
    try {
      expect((await trainer.train(examples, { index: false })).model?.labels).toHaveLength(3);
      expect(trainer.running).toBe(true);
      await expect.poll(() => trainer.running, { timeout: 5000 }).toBe(false);
      // A training that comes while the thread is kept keeps it: it is not ended under the one after.
      const again = trainer.train(examples.slice(0, 30), { index: true });
      expect(trainer.running).toBe(true);
      const learned = await again;
      expect(learned.model?.labels).toHaveLength(3);
      expect(learned.neighbours?.size).toBe(30);
    } finally {
      await trainer.close();
    }
  });

  it("equals a fresh build after the worker thread's rebuild, with the examples learned while it worked", async () => {
    const rows = syntheticExamples(60, 4).map((e) => ({ text: e.text, matterCode: e.label }));
    const learning = new LearningStore(exampleTable(rows), pino({ level: "silent" }), new WorkerTrainer());
    try {
      await learning.load();
      const extra = [
        { text: "小区游泳池的水好几天没换了，又绿又浑", label: "T05" },
        { text: "地下车库的排风扇整夜轰隆隆地响", label: "T06" },
        { text: "三号楼电梯按钮失灵，老人上不了楼", label: "T01" },
        { text: "菜市场门口的下水道堵了，污水漫到路上", label: "T05" },
        { text: "隔壁工地凌晨还在打桩，吵得睡不着", label: "T06" },
      ];
      // The first starts a training; the others arrive while it runs and are added to the index meanwhile.
      for (const e of extra) await learning.learn({ text: e.text, matterCode: e.label, source: "imported" });
      expect(learning.learned.neighbours?.size).toBe(65);
      for (const e of extra) expect(learning.learned.neighbours?.nearest(e.text, 1)[0]).toMatchObject({ text: e.text, label: e.label, similarity: 1 });
      await learning.trained();
      const fresh = NeighbourIndex.build(rows.map((r) => ({ text: r.text, label: r.matterCode })));
      expect(learning.learned.neighbours?.exact).toBe(true);
      expect(snapshot(learning.learned.neighbours)).toEqual(snapshot(fresh));
      for (const e of [...extra, ...syntheticExamples(10, 6, 3)]) expect(learning.learned.neighbours?.nearest(e.text, 3, 0)).toEqual(fresh.nearest(e.text, 3, 0));
      expect(learning.learned.model?.labels).toEqual(["T01", "T02", "T03", "T04", "T05", "T06"]);
    } finally {
      await learning.close();
    }
  });

  it("adds what a training's examples lack when it returns, and rebuilds once more", async () => {
    const rows = syntheticExamples(30, 3).map((e) => ({ text: e.text, matterCode: e.label }));
    const trainer = new GatedTrainer();
    const learning = new LearningStore(exampleTable(rows), pino({ level: "silent" }), trainer);
    await learning.load();
    void learning.learn({ text: "小区游泳池的水好几天没换了，又绿又浑", matterCode: "T02", source: "imported" });
    await new Promise((r) => setTimeout(r, 0));
    await learning.learn({ text: "地下车库的排风扇整夜轰隆隆地响", matterCode: "T03", source: "imported" });
    await trainer.release(); // trains on 31 examples
    await new Promise((r) => setTimeout(r, 0));
    // The 31-example index is in force, with the 32nd added to it; the next training is under way.
    expect(trainer.requests).toEqual([
      { examples: 31, index: true },
      { examples: 32, index: true },
    ]);
    expect(learning.learned.neighbours?.size).toBe(32);
    expect(learning.learned.neighbours?.exact).toBe(false);
    expect(learning.learned.neighbours?.nearest("车库的排风扇整夜轰隆隆响", 1, 0.5)[0]?.label).toBe("T03");
    await trainer.release();
    await learning.trained();
    expect(snapshot(learning.learned.neighbours)).toEqual(snapshot(NeighbourIndex.build(rows.map((r) => ({ text: r.text, label: r.matterCode })))));
  });

  it("takes over a corrected label and leaves an index built from the same examples as it is", async () => {
    const examples = syntheticExamples(50, 5);
    const index = NeighbourIndex.build(examples);
    const relabelled = examples.map((e, i) => (i === 7 ? { text: e.text, label: "T99" } : e));
    expect(index.catchUp(relabelled)).toBe(true);
    expect(index.exact).toBe(true); // a label is not a weight
    expect(index.nearest(examples[7].text, 1)[0]).toMatchObject({ index: 7, label: "T99" });
    expect(index.catchUp(examples.slice(1))).toBe(false); // not an extension: the caller builds afresh

    // Start-up built the index: the worker thread trains the model only.
    const trainer = new GatedTrainer();
    const learning = new LearningStore(exampleTable(examples.map((e) => ({ text: e.text, matterCode: e.label }))), pino({ level: "silent" }), trainer);
    await learning.load();
    const built = learning.learned.neighbours;
    const retrained = learning.retrain();
    await trainer.release();
    await retrained;
    expect(trainer.requests).toEqual([{ examples: 50, index: false }]);
    expect(learning.learned.neighbours).toBe(built);
  });

  it("moves a built index between threads as plain arrays and answers the same", () => {
    const examples = syntheticExamples(200, 5);
    const index = NeighbourIndex.build(examples);
    const queries = syntheticExamples(20, 5, 9).map((e) => e.text);
    const expected = queries.map((q) => index.nearest(q, 3, 0));
    const { data, transfer } = index.toTransfer();
    const copy = NeighbourIndex.fromTransfer(structuredClone(data, { transfer }), examples);
    expect(queries.map((q) => copy.nearest(q, 3, 0))).toEqual(expected);
    expect(data.example.length).toBe(0); // moved, not copied
    expect(() => NeighbourIndex.fromTransfer(copy.toTransfer().data, examples.slice(1))).toThrow("inconsistent sizes");
  });
});
