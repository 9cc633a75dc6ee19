// The simulator, its clock and the tokenless HTTP channel answer only this machine itself: tried as a request
// forwarded by a reverse proxy on the same host, as a page on another site reaching it by DNS rebinding, and as
// a service that residents can already reach (a real channel or PUBLIC_URL), where they are off.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, startService, type TestService } from "./helpers/service.ts";
import { rawRequest } from "./helpers/raw.ts";

/** A raw HTTP request (test/helpers/raw.ts), so the Host header can be what an attacker makes it; JSON bodies. */
async function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const u = new URL(url);
  const json = opts.body !== undefined;
  const res = await rawRequest(u.origin, opts.method ?? "GET", u.pathname + u.search, {
    headers: { ...(json ? { "content-type": "application/json" } : {}), ...opts.headers },
    ...(json ? { body: JSON.stringify(opts.body) } : {}),
  });
  return { status: res.status, headers: res.headers, body: res.text };
}

const ATTACKS: [string, Record<string, string>][] = [
  ["forwarded by a proxy (X-Forwarded-For)", { "x-forwarded-for": "203.0.113.7" }],
  ["forwarded by a proxy (Forwarded)", { forwarded: "for=203.0.113.7;proto=https" }],
  ["forwarded by a proxy (X-Real-IP)", { "x-real-ip": "203.0.113.7" }],
  ["forwarded, claiming to be local", { "x-forwarded-for": "127.0.0.1" }],
  ["from a page on another site (DNS rebinding)", { host: "evil.example:3000" }],
  ["with a public name for this host", { host: "minhu.example.gov.cn" }],
];

describe("loopback-only surfaces", () => {
  let svc: TestService;
  beforeAll(async () => {
    // TRUST_PROXY as behind nginx: ctx.ip would believe X-Forwarded-For; the local check must not.
    svc = await startService({ TRUST_PROXY: "true", SIMULATOR_ENABLED: "true" }, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it.each(ATTACKS)("refuses the simulator, its clock and the tokenless HTTP channel to a request %s", async (_name, headers) => {
    const before = svc.services.clock().getTime();
    const chats = await request(`${svc.url}/api/simulator/chats`, { headers });
    const clock = await request(`${svc.url}/api/simulator/clock`, { method: "POST", headers, body: { advanceHours: 42 } });
    const page = await request(`${svc.url}/simulator`, { headers });
    const message = await request(`${svc.url}/api/channels/http/messages`, {
      method: "POST",
      headers,
      body: { messageId: `attack-${Math.random()}`, chatId: "p1", isGroup: false, senderId: "x", text: "3号楼电梯坏了" },
    });
    expect([chats.status, clock.status, page.status, message.status]).toEqual([403, 403, 403, 403]);
    expect(JSON.parse(chats.body).error.message).toBe("模拟器只接受本机访问");
    expect(svc.services.clock().getTime() - before).toBeLessThan(3600_000); // not moved 42 hours
    expect(await svc.services.db.inboundMessage.count({ where: { senderId: "x", channel: "http" } })).toBe(0);
  });

  it("serves this machine, under the console's security headers, with transcripts masked like group replies", async () => {
    const page = await request(`${svc.url}/simulator`, { headers: { host: `localhost:${new URL(svc.url).port}` } });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/); // no inline script: it is /simulator.js
    expect((await request(`${svc.url}/simulator.js`)).status).toBe(200);

    const chatId = "sim-private-masked";
    await svc.post("/api/simulator/messages", { chatId, senderId: "sim-r-mask", senderName: "张阿姨", text: "3号楼电梯坏了，我电话13911112222，身份证110101199003071234" });
    const transcript = await request(`${svc.url}/api/simulator/messages?chatId=${chatId}`);
    expect(transcript.status).toBe(200);
    expect(transcript.body).toContain("电梯");
    expect(transcript.body).not.toContain("13911112222");
    expect(transcript.body).not.toContain("110101199003071234");
    // The case itself keeps the number for the workers who call back.
    expect((await svc.services.db.inboundMessage.findFirstOrThrow({ where: { chatId } })).text).toContain("13911112222");
  });

  it("takes HTTP channel messages from elsewhere only with the token once one is set", async () => {
    const withToken = await startService({ HTTP_CHANNEL_TOKEN: "a-long-http-channel-token" });
    try {
      const body = { messageId: `tok-${Math.random()}`, chatId: "p2", isGroup: false, senderId: "y", text: "5号楼路灯不亮" };
      const forwarded = await request(`${withToken.url}/api/channels/http/messages`, { method: "POST", headers: { "x-forwarded-for": "203.0.113.7", authorization: "Bearer a-long-http-channel-token" }, body });
      expect(forwarded.status).toBe(200);
      const noToken = await request(`${withToken.url}/api/channels/http/messages`, { method: "POST", body: { ...body, messageId: `tok-${Math.random()}` } });
      expect(noToken.status).toBe(401);
    } finally {
      await withToken.close();
    }
  });
});

describe("a service residents can reach", () => {
  it("has no simulator and a clock that does not move once PUBLIC_URL is set", async () => {
    const svc = await startService({ PUBLIC_URL: "https://minhu.example.gov.cn" });
    try {
      expect((await request(`${svc.url}/simulator`)).status).toBe(404);
      expect((await request(`${svc.url}/api/simulator/clock`, { method: "POST", body: { advanceHours: 42 } })).status).toBe(404);
      expect(svc.services.clockControl.adjustable).toBe(false);
      expect(svc.services.channels.has("simulator")).toBe(false);
    } finally {
      await svc.close();
    }
  });

  it("keeps the clock still outside development even with the simulator asked for", async () => {
    const svc = await startService({ NODE_ENV: "production", SIMULATOR_ENABLED: "true" });
    try {
      const res = await request(`${svc.url}/api/simulator/clock`, { method: "POST", body: { advanceHours: 42 } });
      expect(res.status).toBe(403);
      expect(svc.services.clockControl.offset).toBe(0);
    } finally {
      await svc.close();
    }
  });
});
