// Three instances of the real service in three processes on one database (PostgreSQL when TEST_POSTGRES_URL is
// set; else one SQLite file, which takes several processes in WAL mode with BEGIN IMMEDIATE): 2,000 appeals spread
// over them through the HTTP channel, each also re-sent to another instance at the same moment, one instance
// killed with SIGKILL halfway. Every message is answered once with one case, no reply is queued twice; then, on a
// fake clock moved through a day (the killed instance restarted), every notice the day's jobs produce is sent
// exactly once across the three, and nothing due is left claimed or pending.
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase, startService, type TestDatabase } from "./helpers/service.ts";
import { testPostgresUrl } from "./helpers/database.ts";
import { fromRoot, ROOT } from "./helpers/paths.ts";
import { cst, HOUR, MINUTE } from "./helpers/clock.ts";
import { openDb, type Db } from "../src/db.ts";
import { PROCESSING_LEASE_MS } from "../src/intake/claims.ts";

// On PostgreSQL 2,000 appeals, as the issue asks (about 3 minutes on two cores). On SQLite, where the three processes
// take turns writing one file, 300 by default (INSTANCES_APPEALS=2000 runs the full count: some 10 minutes).
const APPEALS = Number(process.env.INSTANCES_APPEALS ?? (testPostgresUrl() ? 2000 : 300));
const IN_FLIGHT = 6;
const START = cst("2026-11-02T09:00"); // a Monday morning

interface Instance {
  child: ChildProcess;
  url: string;
  sentFile: string;
  alive: boolean;
  call(msg: Record<string, unknown>): Promise<void>;
}

let database: TestDatabase | undefined;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await database?.drop();
});

let calls = 0;
async function startInstance(db: TestDatabase, name: string, at: Date): Promise<Instance> {
  const sentFile = path.join(db.dir, `sent-${name}.txt`);
  writeFileSync(sentFile, "");
  const child = fork(fromRoot("test/helpers/instanceServer.ts"), [], {
    cwd: ROOT,
    execArgv: ["--import", "tsx"],
    env: { ...process.env, DATABASE_URL: db.url, START_AT: at.toISOString(), SENT_FILE: sentFile, MEDIA_DIR: path.join(db.dir, "media") },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const url = await new Promise<string>((resolve, reject) => {
    child.on("message", (m: { ready?: boolean; url?: string; id?: number; ok?: boolean; error?: string }) => {
      if (m.ready) return resolve(m.url!);
      const w = waiting.get(m.id!);
      waiting.delete(m.id!);
      if (m.ok) w?.resolve();
      else w?.reject(new Error(m.error));
    });
    child.on("exit", (code) => {
      reject(new Error(`instance ${name} exited (${code})`));
      for (const w of waiting.values()) w.reject(new Error(`instance ${name} exited`));
    });
  });
  return {
    child,
    url,
    sentFile,
    alive: true,
    call: (msg) =>
      new Promise((resolve, reject) => {
        const id = ++calls;
        waiting.set(id, { resolve, reject });
        child.send({ ...msg, id });
      }),
  };
}

/** Residents' letters (../shared/datasets/appeals-dev.tsv), cut to the length of a chat message, each its own. */
function appealTexts(n: number): string[] {
  const letters = readFileSync(path.join(ROOT, "../shared/datasets/appeals-dev.tsv"), "utf8")
    .split("\n")
    .map((line) => line.split("\t")[0].trim())
    .filter((t) => t.length > 80);
  return Array.from({ length: n }, (_, i) => {
    const letter = letters[i % letters.length];
    const from = Math.floor(i / letters.length) * 40;
    return `${letter.slice(from, from + 30 + (i % 50))}（${i + 1}）`;
  });
}

type Answer = { status: number; body: { replies: { text: string }[]; case?: { number: string }; outcome: string } } | null;

async function post(instance: Instance, body: unknown): Promise<Answer> {
  if (!instance.alive) return null;
  try {
    const res = await fetch(`${instance.url}/api/channels/http/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as NonNullable<Answer>["body"] };
  } catch {
    return null; // the instance died under the request: the sender (a load balancer) tries again later
  }
}

const sentIds = (instances: Instance[], files: string[]) =>
  [...instances.map((i) => i.sentFile), ...files].flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean).map(Number));

describe("three instances on one database", () => {
  it(`answer ${APPEALS} appeals once each, re-sent and with one instance killed, and send a day's notices exactly once`, async () => {
    database = await freshDatabase();
    // The seed, and 同诉 joining off: each appeal its own case, so "one case per appeal" can be counted.
    const setup = await startService({}, {}, { database, settings: { sameProblemSimilarity: 1 } });
    await setup.close();
    const instances = await Promise.all(["a", "b", "c"].map((n) => startInstance(database!, n, START)));
    const db: Db = await openDb(database.url);
    try {
      const texts = appealTexts(APPEALS);
      const messages = texts.map((text, i) => ({
        messageId: `inst-${i}`,
        chatId: "yangguang-owners",
        chatName: "阳光花园业主群",
        isGroup: true,
        senderId: `inst-resident-${i}`,
        senderName: "居民",
        text,
        mentionsBot: true,
      }));
      const answers: Answer[][] = messages.map(() => []);
      const killed = instances[2];
      let next = 0;
      const worker = async () => {
        for (;;) {
          const i = next++;
          if (i >= messages.length) return;
          if (i === APPEALS / 2 && killed.alive) {
            killed.child.kill("SIGKILL");
            killed.alive = false;
          }
          const live = instances.filter((x) => x.alive);
          const first = live[i % live.length];
          const second = live[(i + 1) % live.length];
          // The same message to two instances at the same moment (WeChat's re-sent callback, a retry elsewhere).
          answers[i].push(...(await Promise.all([post(first, messages[i]), post(second, messages[i])])));
        }
      };
      const t0 = Date.now();
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      const tookMs = Date.now() - t0;

      // What the killed instance held is taken over by the survivors' periodic pass once its claims have run out.
      const survivors = instances.filter((x) => x.alive);
      const afterLeases = new Date(START.getTime() + PROCESSING_LEASE_MS + MINUTE);
      await Promise.all(survivors.map((s) => s.call({ tick: afterLeases.toISOString() })));
      // Messages that got no answer (their instance died, or the holder was still at work) are sent again.
      const unanswered = messages.map((_, i) => i).filter((i) => !answers[i].some((a) => a?.status === 200));
      for (const i of unanswered) answers[i].push(await post(survivors[i % survivors.length], messages[i]));
      console.log(`${APPEALS} appeals (each twice) over 3 instances in ${(tookMs / 1000).toFixed(1)} s; ${unanswered.length} sent again after the kill`);

      // Every message answered, once: one stored row each with its result, the same answer to every delivery.
      const rows = await db.inboundMessage.findMany({ where: { channel: "http", messageId: { startsWith: "inst-" } } });
      expect(rows).toHaveLength(APPEALS);
      const byMessage = new Map(rows.map((r) => [r.messageId, r]));
      for (const [i, m] of messages.entries()) {
        const row = byMessage.get(m.messageId)!;
        expect(row.result, m.messageId).not.toBeNull();
        expect(["processed", "ignored", "failed"]).toContain(row.status);
        const ok = answers[i].filter((a) => a?.status === 200);
        expect(ok.length, m.messageId).toBeGreaterThan(0);
        for (const a of ok) expect(a!.body.replies, m.messageId).toEqual((row.result as { replies: unknown[] }).replies);
        // A delivery that got no answer was refused as in progress or lost with its instance, never answered otherwise.
        for (const a of answers[i]) if (a && a.status !== 200) expect(a.status).toBe(503);
      }
      expect(rows.filter((r) => r.status === "failed")).toEqual([]);
      // One case per appeal message, and no case from two messages.
      const caseIds = rows.map((r) => r.caseId).filter((id): id is number => id !== null);
      expect(new Set(caseIds).size).toBe(caseIds.length);
      expect(caseIds.length).toBe(rows.filter((r) => r.outcome === "appeal" || r.outcome === "emergency").length);
      expect(caseIds.length).toBeGreaterThan(APPEALS * 0.8);
      expect(await db.case.count()).toBe(caseIds.length);
      // No reply queued twice: each message's replies are the ones its answer holds.
      const replies = await db.outbox.groupBy({ by: ["inReplyTo"], where: { inReplyTo: { in: rows.map((r) => r.id) } }, _count: { _all: true } });
      const queued = new Map(replies.map((r) => [r.inReplyTo, r._count._all]));
      for (const r of rows) expect(queued.get(r.id) ?? 0, r.messageId).toBe((r.result as { replies: unknown[] }).replies.length);

      // The killed instance comes back; the clock moves through the day, each instance ticking as its cron would.
      const killedFile = killed.sentFile;
      instances[2] = await startInstance(database, "c2", afterLeases);
      const end = new Date(START.getTime() + 24 * HOUR);
      for (let at = afterLeases.getTime() + HOUR; ; at = Math.min(at + HOUR, end.getTime())) {
        await Promise.all(instances.map((x) => x.call({ tick: new Date(at).toISOString() })));
        if (at === end.getTime()) break;
      }

      // Every job due in the day ran, once; none is left claimed, pending, or given up.
      const jobs = await db.job.groupBy({ by: ["status"], where: { dueAt: { lte: end } }, _count: { _all: true } });
      const byStatus = Object.fromEntries(jobs.map((j) => [j.status, j._count._all]));
      expect(byStatus.running ?? 0).toBe(0);
      expect(byStatus.pending ?? 0).toBe(0);
      expect(byStatus.failed ?? 0).toBe(0);
      expect(await db.job.count({ where: { dueAt: { lte: end }, attempts: { gt: 1 } } })).toBe(0);
      const notices = await db.outbox.findMany({ where: { dedupeKey: { startsWith: "job:" } }, select: { id: true, channel: true, status: true } });
      // 催办 and 督办 of the cases dispatched (low-confidence ones wait in the review queue), due within the day.
      expect(notices.length).toBeGreaterThan(APPEALS / 10);
      // Sent exactly once across the instances: each units' notice once in the channel sends the three recorded.
      const sends = sentIds(instances, [killedFile]);
      const times = new Map<number, number>();
      for (const id of sends) times.set(id, (times.get(id) ?? 0) + 1);
      expect([...times.values()].filter((n) => n > 1)).toEqual([]);
      const simulator = notices.filter((n) => n.channel === "simulator");
      expect(simulator.length).toBeGreaterThan(APPEALS / 10);
      console.log(`a day: ${Object.entries(byStatus).map(([k, v]) => `${v} jobs ${k}`).join(", ")}; ${notices.length} notices, ${sends.length} channel sends`);
      for (const n of simulator) {
        expect(n.status).toBe("sent");
        expect(times.get(n.id), `outbox ${n.id}`).toBe(1);
      }
      // Nothing due is left claimed or waiting on a channel the instances send on.
      expect(await db.outbox.count({ where: { channel: "simulator", status: { in: ["pending", "sending"] }, nextAttemptAt: { lte: end } } })).toBe(0);
      expect(await db.inboundMessage.count({ where: { status: { in: ["received", "processing"] } } })).toBe(0);
    } finally {
      await db.$disconnect();
      for (const x of instances) if (x.child.exitCode === null && x.child.signalCode === null) x.child.kill("SIGTERM");
    }
  }, 600_000);
});
