// Who may call the integration routes: with a token configured, whoever has it; without one, this machine only.
import { describe, expect, it } from "vitest";
import { requireLoopback, requireTokenOrLoopback } from "../src/http/middleware.ts";

function ctx(ip: string, authorization = "") {
  return { ip, get: (h: string) => (h.toLowerCase() === "authorization" ? authorization : "") } as any;
}
const next = async () => {};

describe("access to the HTTP channel", () => {
  it("without a token, accepts loopback clients and refuses others", async () => {
    const check = requireTokenOrLoopback(undefined);
    await expect(check(ctx("127.0.0.1"), next)).resolves.toBeUndefined();
    await expect(check(ctx("::ffff:127.0.0.1"), next)).resolves.toBeUndefined();
    await expect(check(ctx("10.0.0.8"), next)).rejects.toMatchObject({ status: 403 });
  });

  it("with a token, requires it from everyone, loopback included", async () => {
    const check = requireTokenOrLoopback("s3cret-token-0123456789");
    await expect(check(ctx("127.0.0.1"), next)).rejects.toMatchObject({ status: 401 });
    await expect(check(ctx("10.0.0.8", "Bearer s3cret-token-0123456789"), next)).resolves.toBeUndefined();
    await expect(check(ctx("10.0.0.8", "Bearer s3cret-token-012345678X"), next)).rejects.toMatchObject({ status: 401 });
  });

  it("keeps the simulator to this machine", async () => {
    await expect(requireLoopback()(ctx("192.0.2.10"), next)).rejects.toMatchObject({ status: 403 });
    await expect(requireLoopback()(ctx("::1"), next)).resolves.toBeUndefined();
  });
});
