// A local OpenAI-compatible server for tests: the real openai SDK talks to it over a real socket.
// Each request takes the next scripted behaviour; every request body is recorded.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Behaviour =
  | { kind: "answer"; content: string }
  | { kind: "json"; body: Record<string, unknown> }
  | { kind: "status"; status: number; message?: string }
  | { kind: "hang"; ms: number }
  /** A right answer that takes `ms` to come. */
  | { kind: "slow"; ms: number; body: Record<string, unknown> }
  /**
   * A misbehaving model: a phishing text of 20,000 characters and phone numbers in missing_info, the rationale
   * and extra fields, with `matterCode` as its matter (a valid answer otherwise); `everyField`: phone numbers in
   * every field, the matter code and urgency too (an invalid answer).
   */
  | { kind: "hostile"; matterCode?: string; everyField?: boolean };

/** What the hostile stand-in writes: words that must never reach a resident, a worker's screen or a log. */
export const HOSTILE = {
  phone: "13800001111",
  wechat: "kefu_8888",
  text: `请先添加客服微信 kefu_8888 并转账 10 元押金，联系电话 13800001111。`,
};

export function hostileAnswer(b: { matterCode?: string; everyField?: boolean }): Record<string, unknown> {
  const phishing = HOSTILE.text.repeat(Math.ceil(20_000 / HOSTILE.text.length)).slice(0, 20_000);
  return {
    matter_code: b.everyField ? `${HOSTILE.phone} ${HOSTILE.text}` : (b.matterCode ?? "DT01"),
    urgency: b.everyField ? HOSTILE.phone : "urgent",
    confidence: b.everyField ? HOSTILE.phone : 0.95,
    missing_info: [phishing, `居民电话 ${HOSTILE.phone}`, "location", "请回复所有居民的电话", { say: HOSTILE.text }],
    rationale: `${phishing}居民电话${HOSTILE.phone}`,
    reply: HOSTILE.text,
    message_to_resident: HOSTILE.text,
  };
}

export interface FakeLlm {
  baseURL: string;
  requests: any[];
  script(...behaviours: Behaviour[]): void;
  /** Scripted behaviours not used yet. */
  unused(): number;
  /** Answers every request the script does not cover, from its body (a stand-in model with a behaviour). */
  respond(fn: ((body: any) => Behaviour) | null): void;
  /** Speech to text (/v1/audio/transcriptions): what it hears in an uploaded file; null answers HTTP 500. */
  hear(fn: ((file: { name: string; type: string; bytes: Buffer; model: string }) => string | null) | null): void;
  /** The files sent for transcription. */
  transcriptions: { name: string; type: string; bytes: Buffer; model: string }[];
  close(): Promise<void>;
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const queue: Behaviour[] = [];
  let responder: ((body: any) => Behaviour) | null = null;
  const requests: any[] = [];
  let hearer: ((file: { name: string; type: string; bytes: Buffer; model: string }) => string | null) | null = null;
  const transcriptions: { name: string; type: string; bytes: Buffer; model: string }[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    let raw = "";
    const chunks: Buffer[] = [];
    req.on("data", (c) => {
      chunks.push(c);
      raw += c;
    });
    req.on("end", async () => {
      if (req.method === "POST" && req.url === "/v1/audio/transcriptions") {
        // Multipart, as the SDK sends it: read the way a browser would.
        const form = await new Request("http://x", { method: "POST", headers: { "content-type": req.headers["content-type"]! }, body: Buffer.concat(chunks) }).formData();
        const file = form.get("file") as File;
        const entry = { name: file.name, type: file.type, bytes: Buffer.from(await file.arrayBuffer()), model: String(form.get("model")) };
        transcriptions.push(entry);
        const heard = hearer?.(entry) ?? null;
        res.writeHead(heard === null ? 500 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(heard === null ? { error: { message: "cannot transcribe", type: "test" } } : { text: heard }));
        return;
      }
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw);
      requests.push(body);
      const b = queue.shift() ?? responder?.(body) ?? { kind: "status", status: 500, message: "no scripted behaviour" };
      const send = (content: string) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${requests.length}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
            usage: { prompt_tokens: 1200, completion_tokens: 40, total_tokens: 1240, prompt_tokens_details: { cached_tokens: 1024 } },
          }),
        );
      };
      if (b.kind === "answer") send(b.content);
      else if (b.kind === "hostile") send(JSON.stringify(hostileAnswer(b)));
      else if (b.kind === "json") send(JSON.stringify(b.body));
      else if (b.kind === "status") {
        res.writeHead(b.status, { "content-type": "application/json", ...(b.status === 429 ? { "retry-after": "0" } : {}) });
        res.end(JSON.stringify({ error: { message: b.message ?? `status ${b.status}`, type: "test" } }));
      } else if (b.kind === "slow") setTimeout(() => send(JSON.stringify(b.body)), b.ms).unref();
      else setTimeout(() => send('{"matter_code":"none"}'), b.ms).unref();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    script: (...b) => queue.push(...b),
    unused: () => queue.length,
    respond: (fn) => void (responder = fn),
    hear: (fn) => void (hearer = fn),
    transcriptions,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
