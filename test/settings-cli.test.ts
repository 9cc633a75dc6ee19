// `npm run settings`: the same checks as the console's settings page, so the command cannot store what the page
// would refuse (an unknown key such as "constructor", a bad value, weights that do not add up to 1).
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { ROOT } from "./helpers/paths.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc.close();
});

/** The command's exit code and output (not execFileSync: the test's own server keeps serving meanwhile). */
function settings(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/cli/settings.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, DATABASE_URL: svc.services.config.DATABASE_URL } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const stored = async (key: string) => (await svc.services.db.setting.findUnique({ where: { key } }))?.value ?? null;

describe("npm run settings", () => {
  it("changes a setting the page could change, and shows it as changed", async () => {
    const out = await settings("quietHours", '{"start":"23:00","end":"06:30"}');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/quietHours\s+\{"start":"23:00","end":"06:30"\}\s+（已修改）/);
    expect(await stored("quietHours")).toEqual({ start: "23:00", end: "06:30" });
  });

  it("refuses a key that is no setting, even one every object has", async () => {
    for (const key of ["constructor", "__proto__", "nonsense"]) {
      const out = await settings(key, "{}");
      expect(out.code, key).toBe(1);
      expect(out.stderr).toContain(`没有设置项 ${key}`);
      expect(await stored(key)).toBeNull();
    }
  });

  it("refuses KPI weights that do not add up to 1, as the page does", async () => {
    const out = await settings("kpiWeights", '{"response":0.5,"resolution":0.5,"satisfaction":0.5}');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("三个权重之和应为 1");
    expect(await stored("kpiWeights")).toBeNull();
  });

  it("says what JSON looks like when the value is not JSON", async () => {
    const out = await settings("quietHours", "22:00-07:00");
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('值必须是 JSON，例如 {"start"');
  });
});
