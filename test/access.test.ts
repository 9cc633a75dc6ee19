// Who may call the integration routes: with a token configured, whoever has it; without one, this machine only.
import { describe, expect, it } from "vitest";
import { requireLocal, requireTokenOrLocal } from "../src/http/middleware.ts";

/** A request from `ip` (the socket's peer), with a Host header and other headers. */
function ctx(ip: string, authorization = "", headers: Record<string, string> = {}) {
  const all: Record<string, string> = { host: "localhost:3000", ...headers, ...(authorization ? { authorization } : {}) };
  return { ip, req: { socket: { remoteAddress: ip } }, get: (h: string) => all[h.toLowerCase()] ?? "" } as any;
}
const next = async () => {};

describe("access to the HTTP channel", () => {
  it("without a token, accepts loopback clients and refuses others", async () => {
    const check = requireTokenOrLocal(undefined);
    await expect(check(ctx("127.0.0.1"), next)).resolves.toBeUndefined();
    await expect(check(ctx("::ffff:127.0.0.1"), next)).resolves.toBeUndefined();
    await expect(check(ctx("10.0.0.8"), next)).rejects.toMatchObject({ status: 403 });
  });

  it("with a token, requires it from everyone, loopback included", async () => {
    const check = requireTokenOrLocal("s3cret-token-0123456789");
    await expect(check(ctx("127.0.0.1"), next)).rejects.toMatchObject({ status: 401 });
    await expect(check(ctx("10.0.0.8", "Bearer s3cret-token-0123456789"), next)).resolves.toBeUndefined();
    await expect(check(ctx("10.0.0.8", "Bearer s3cret-token-012345678X"), next)).rejects.toMatchObject({ status: 401 });
  });

  it("keeps the simulator to this machine", async () => {
    await expect(requireLocal()(ctx("192.0.2.10"), next)).rejects.toMatchObject({ status: 403 });
    await expect(requireLocal()(ctx("::1"), next)).resolves.toBeUndefined();
    await expect(requireLocal()(ctx("::1", "", { host: "[::1]:3000" }), next)).resolves.toBeUndefined();
    await expect(requireLocal()(ctx("127.0.0.1", "", { host: "127.0.0.1" }), next)).resolves.toBeUndefined();
    // A reverse proxy on this machine connects from loopback; what it forwards is not local.
    await expect(requireLocal()(ctx("127.0.0.1", "", { "x-forwarded-for": "198.51.100.4" }), next)).rejects.toMatchObject({ status: 403 });
    await expect(requireLocal()(ctx("127.0.0.1", "", { host: "rebound.example" }), next)).rejects.toMatchObject({ status: 403 });
    await expect(requireLocal()(ctx("127.0.0.1", "", { host: "" }), next)).rejects.toMatchObject({ status: 403 });
  });
});
