// The processes the intake benchmark measures: the service as `npm start` runs it (src/main.ts), or the bare Koa
// ceiling (bareKoa.ts), each a child process on a port of its own, ready once GET /health answers 200.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");
/** npm start's settings (package.json config). */
const startConfig = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { config: { heapMb: string; semiSpaceMb: string; mallocArenas: string } }).config;
export const startHeapMb = () => startConfig.heapMb;

export interface Instance {
  kind: "minhu" | "bare";
  base: string;
  /** For figures read from the process (issue 15's RSS at start and after so many messages). */
  pid: number;
  /** Its own figures, asked over the IPC channel: statements sent, CPU used, memory. */
  stats(): Promise<ProcessStats>;
  /** The last warnings and errors it logged (pino's JSON lines, level 40 and up), to say why requests failed. */
  problems(): string[];
  stop(): Promise<void>;
}

export interface ProcessStats {
  /** SQL statements sent since start (0 for bare Koa). */
  statements: number;
  /** process.cpuUsage(): microseconds. */
  cpu: { user: number; system: number };
  memory: NodeJS.MemoryUsage;
  /** The service's read cache (readCache.ts): answers kept, hits and misses since start. */
  readCache?: { entries: number; hits: number; misses: number };
}

/** A port nothing listens on now (the child binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The service's settings for a run: the database, local classifier only, scheduler off, no channel but HTTP and
 * the simulator, warnings and errors logged. Set even when empty, so a .env in the project folder cannot turn
 * an LLM or a real channel on (variables already set win over .env).
 */
export function serviceEnv(databaseUrl: string, dataDir: string): Record<string, string> {
  const off = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "ASR_MODEL", "WECHATY_PUPPET", "WECHAT_MP_APPID", "WECHAT_MP_SECRET", "WECHAT_MP_TOKEN", "WECHAT_MP_AES_KEY",
    "WECOM_CORP_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY", "WECOM_AGENT_ID", "HTTP_CHANNEL_TOKEN", "HTTP_CHANNEL_CALLBACK_URL", "PUBLIC_URL"];
  return {
    ...Object.fromEntries(off.map((k) => [k, ""])),
    NODE_ENV: "production",
    NOW_OFFSET: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    MEDIA_DIR: path.join(dataDir, "media"),
    SCHEDULER_ENABLED: "false",
    LOG_LEVEL: "warn",
  };
}

async function start(kind: Instance["kind"], entry: string, env: Record<string, string>, readyWithinMs: number): Promise<Instance> {
  const port = await freePort();
  // --profile DIR (BENCH_PROFILE_DIR): each service process writes a CPU profile there when it stops.
  const profile = kind === "minhu" && process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  // The service runs with npm start's heap sizes (package.json config.heapMb, MINHU_HEAP_MB to change it, and
  // config.semiSpaceMb) and its malloc arenas (config.mallocArenas, MALLOC_ARENA_MAX to change it).
  const heap = kind === "minhu" ? [`--max-old-space-size=${process.env.MINHU_HEAP_MB || startHeapMb()}`, `--max-semi-space-size=${startConfig.semiSpaceMb}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...heap, ...profile, "--import", "tsx", entry], {
    cwd: ROOT,
    env: { ...process.env, ...(kind === "minhu" ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX || startConfig.mallocArenas } : {}), ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  // The last lines it wrote, to say why when it fails to start, and its last warnings and errors.
  const tail: string[] = [];
  const problems: string[] = [];
  const keep = (chunk: Buffer) => {
    const lines = chunk.toString("utf8").split("\n").filter(Boolean);
    tail.push(...lines);
    tail.splice(0, Math.max(0, tail.length - 30));
    problems.push(...lines.filter((l) => /^\{"level":(4|5|6)0\b/.test(l)));
    problems.splice(0, Math.max(0, problems.length - 10));
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited: string | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = `exited (${signal ?? code})`;
      resolve();
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const instance: Instance = {
    kind,
    base,
    pid: child.pid!,
    problems: () => [...problems],
    stats: () =>
      new Promise<ProcessStats>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${kind} instance did not answer "stats" within 10 s`)), 10_000);
        child.once("message", (m) => {
          clearTimeout(timer);
          resolve(m as ProcessStats);
        });
        child.send("stats");
      }),
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (exited) throw new Error(`${kind} instance ${exited} before it was ready:\n${tail.join("\n")}`);
    try {
      const res = await fetch(`${base}/health`);
      await res.arrayBuffer();
      if (res.ok) return instance;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await instance.stop();
      throw new Error(`${kind} instance not ready within ${readyWithinMs / 1000} s:\n${tail.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `count` service processes on one database. The first starts alone (it seeds the empty database), the others
 * together once it is ready, as a second and third machine would join.
 */
export async function startService(count: number, env: Record<string, string>): Promise<Instance[]> {
  const started: Instance[] = [];
  try {
    started.push(await start("minhu", "src/main.ts", env, 180_000));
    const rest = await Promise.allSettled(Array.from({ length: count - 1 }, () => start("minhu", "src/main.ts", env, 180_000)));
    started.push(...rest.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])));
    const failed = rest.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return started;
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

export async function startBareKoa(count: number): Promise<Instance[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => start("bare", "src/cli/benchIntake/bareKoa.ts", {}, 60_000)));
  const ok = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await stopAll(ok);
    throw failed.reason;
  }
  return ok;
}

export async function stopAll(instances: Instance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.stop()));
}
