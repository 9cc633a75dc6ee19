// The first administrator's password stays out of the service's log. Started the way a service manager starts it
// (stdout a pipe, not a terminal), the real `src/main.ts` writes the password to a file only its owner may read
// and prints the file's path; the log holds neither the password nor a user name someone typed.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "./helpers/database.ts";
import { announceFirstAdmin, FIRST_ADMIN_FILE } from "../src/auth/firstAdmin.ts";
import { ROOT } from "./helpers/paths.ts";

let child: ChildProcess | null = null;
let dir = "";
let database: TestDatabase | null = null;
afterEach(async () => {
  child?.kill("SIGKILL");
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
  await database?.drop();
  database = null;
});

/** Starts the service as `npm start` would after migrating; resolves once the start-up lines are out. */
function start(databaseUrl: string): Promise<{ output: () => string; url: string; exited: Promise<void> }> {
  let output = "";
  child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", SCHEDULER_ENABLED: "false", MEDIA_DIR: path.join(dir, "media"), DATA_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child!.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const url = /工作台\s+(http:\/\/127\.0\.0\.1:\d+)\/console\//.exec(output)?.[1];
      if (url && output.includes("跟进任务")) resolve({ output: () => output, url, exited });
    };
    child!.stdout!.on("data", seen);
    child!.stderr!.on("data", seen);
    child!.once("exit", (code) => reject(new Error(`the service exited (${code}):\n${output}`)));
  });
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("the first administrator's password", () => {
  it("started without a terminal, is written to a 0600 file in the data folder and never to the log, nor is a name typed at sign-in", { timeout: 90_000 }, async () => {
    database = await freshDatabase();
    dir = database.dir;
    const service = await start(database.url);
    const file = path.join(dir, FIRST_ADMIN_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = /初始密码：(\S+)/.exec(readFileSync(file, "utf8"))![1];
    expect(password).toMatch(/^[A-Za-z2-9]{16}$/);
    expect(service.output()).toContain(`初始密码写在 ${file}`);

    // Someone types a password into the name field; then the administrator signs in and sets their own.
    const typo = "Zq-typed-into-the-name-field-93";
    expect((await post(`${service.url}/api/auth/login`, { username: typo, password: "x" })).status).toBe(401);
    const signedIn = await post(`${service.url}/api/auth/login`, { username: "admin", password });
    expect(signedIn.status).toBe(200);
    const { csrfToken, user } = (await signedIn.json()) as { csrfToken: string; user: { mustChangePassword: boolean } };
    expect(user.mustChangePassword).toBe(true);
    const cookie = signedIn.headers.get("set-cookie")!.split(";")[0];
    const changed = await post(`${service.url}/api/auth/password`, { currentPassword: password, newPassword: "管理员自己的新密码-2026" }, { cookie, "x-csrf-token": csrfToken });
    expect(changed.status).toBe(200);
    expect(existsSync(file)).toBe(false); // the first password is gone once replaced

    child!.kill("SIGTERM");
    await service.exited;
    const log = service.output();
    expect(log).toContain("first administrator account created");
    expect(log).toContain("failed sign-in");
    expect(log).toContain("password changed");
    expect(log).not.toContain(password);
    expect(log).not.toContain(typo);
  });

  it("is shown once on a terminal, and then no file is written", () => {
    dir = path.join(os.tmpdir(), `minhu-first-admin-${process.pid}-${Date.now()}`);
    const lines = announceFirstAdmin({ username: "admin", password: "Pw2345678901abcd" }, { tty: true, dataDir: dir });
    expect(lines).toEqual([expect.stringContaining("初始密码（只显示这一次，登录后须改为自己的密码）：Pw2345678901abcd")]);
    expect(existsSync(path.join(dir, FIRST_ADMIN_FILE))).toBe(false);
  });
});
