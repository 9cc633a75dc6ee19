// Access tokens of the WeChat and WeCom APIs: one per app, kept in the database so every instance shares it,
// renewed before it expires, and replaced when the API refuses it (by force only when it hands back the same one).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { AccessTokens } from "../src/channels/wechat/api.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => svc?.close());

/** A token endpoint that counts its calls: a new token each call, or the same one unless forced (stable_token). */
function endpoint(stable: boolean) {
  const calls: boolean[] = [];
  let current = "";
  return {
    calls,
    fetch: async (force: boolean) => {
      calls.push(force);
      if (!stable || force || !current) current = `tok-${calls.length}`;
      return { token: current, expiresInSeconds: 7200 };
    },
  };
}

describe("access tokens", () => {
  it("fetch once, and every instance on the database uses that one until five minutes before it expires", async () => {
    const app = `app-${Date.now()}`;
    const api = endpoint(false);
    const first = new AccessTokens(svc.services.db, app, api.fetch);
    const second = new AccessTokens(svc.services.db, app, api.fetch);
    const t0 = new Date("2026-11-02T02:00:00Z");
    expect(await first.get(t0)).toBe("tok-1");
    expect(await second.get(new Date(t0.getTime() + 60_000))).toBe("tok-1");
    expect(api.calls).toHaveLength(1);
    expect(first.ok).toBe(true);
    // 1 h 56 min later it has less than five minutes left: renewed, and shared again.
    const later = new Date(t0.getTime() + 116 * 60_000);
    expect(await second.get(later)).toBe("tok-2");
    expect(await first.get(later)).toBe("tok-2");
    expect(api.calls).toHaveLength(2);
  });

  it("take another instance's newer token when the API refuses theirs, and force a new one only when the endpoint repeats the refused one", async () => {
    const app = `app-stable-${Date.now()}`;
    const api = endpoint(true);
    const a = new AccessTokens(svc.services.db, app, api.fetch);
    const b = new AccessTokens(svc.services.db, app, api.fetch);
    const now = new Date("2026-11-02T02:00:00Z");
    const t1 = await a.get(now);
    await b.get(now);
    // The API says t1 is no good: stable_token gives t1 again, so it is fetched by force.
    const t2 = await a.invalidate(now, t1);
    expect(t2).not.toBe(t1);
    expect(api.calls).toEqual([false, false, true]);
    // b still holds t1; when it is refused, b finds a's t2 in the database without a call.
    expect(await b.invalidate(now, t1)).toBe(t2);
    expect(api.calls).toHaveLength(3);
  });

  it("say on the health page when a token cannot be had", async () => {
    const failing = new AccessTokens(svc.services.db, `app-bad-${Date.now()}`, async () => {
      throw new Error("stable_token answered errcode 40164: invalid ip, not in whitelist");
    });
    await expect(failing.get(new Date())).rejects.toThrow("40164");
    expect(failing.ok).toBe(false);
  });
});
