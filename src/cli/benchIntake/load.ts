// The intake benchmark's load driver: `concurrency` requests in flight at all times, the i-th request to target
// i mod n (round-robin over the instances), each answer checked; latencies kept for the percentiles.
import http from "node:http";

export interface LoadPlan {
  targets: string[];
  path: string;
  /** Requests numbered from `first`, `count` of them. */
  first: number;
  count: number;
  concurrency: number;
  body(i: number): unknown;
  /** null: the answer is right; else why not. */
  check(body: unknown, i: number): string | null;
  timeoutMs: number;
  progress?(done: number, errors: number): void;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  /** Milliseconds, sorted. */
  latencies: number[];
  errors: number;
  /** How many errors of each kind. */
  reasons: Map<string, number>;
  /** Requests sent again on a fresh socket (see post). */
  retried: number;
}

/**
 * One POST; sent again (twice at most) when the connection was reset — a kept-alive socket the server closed idle
 * as the request went out (Node's documented race), or one closed under load — as a gateway would send it again.
 * A message sent twice gets its first answer (its messageId), so nothing is counted twice; each resend is counted.
 */
async function post(agent: http.Agent, url: URL, payload: string, timeoutMs: number, retried: () => void): Promise<{ status: number; text: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await postOnce(agent, url, payload, timeoutMs);
    } catch (err) {
      if (attempt === 2 || (err as NodeJS.ErrnoException).code !== "ECONNRESET") throw err;
      retried();
    }
  }
}

function postOnce(agent: http.Agent, url: URL, payload: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent, timeout: timeoutMs, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Why a request failed, as a short reason (HTTP status, network error, or the checker's word). */
function judge(res: { status: number; text: string }, check: (body: unknown) => string | null): string | null {
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return res.status === 200 ? "answer is not JSON" : `HTTP ${res.status}`;
  }
  if (res.status !== 200) {
    const id = (body as { error?: { id?: unknown } } | null)?.error?.id;
    return `HTTP ${res.status}${typeof id === "string" ? ` ${id}` : ""}`;
  }
  return check(body);
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  // One keep-alive pool per target, as a client (a bot gateway) would hold.
  const pools = plan.targets.map((t) => ({ url: new URL(plan.path, t), agent: new http.Agent({ keepAlive: true, maxSockets: plan.concurrency }) }));
  const latencies: number[] = [];
  const reasons = new Map<string, number>();
  let next = 0;
  let errors = 0;
  let retried = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < plan.count) {
      const i = plan.first + next++;
      const pool = pools[i % pools.length];
      const payload = JSON.stringify(plan.body(i));
      const t = performance.now();
      let reason: string | null;
      try {
        reason = judge(await post(pool.agent, pool.url, payload, plan.timeoutMs, () => retried++), (body) => plan.check(body, i));
      } catch (err) {
        reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      latencies.push(performance.now() - t);
      if (reason) {
        errors++;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      plan.progress?.(latencies.length, errors);
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  for (const p of pools) p.agent.destroy();
  return { requests: plan.count, seconds, latencies: latencies.sort((a, b) => a - b), errors, reasons, retried };
}

/** The nearest-rank percentile of sorted values (p in 0–1). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
