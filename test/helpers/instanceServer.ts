// One instance of the real service in its own process, listening on HTTP, on a fake clock the parent test moves
// (test/instances.test.ts): {at: ISO} sets the clock; {tick: ISO} sets it and runs one pass of what the service's
// cron runs (recovery, follow-up, outbox). Every send through the simulator channel (the units' chats) is appended
// to SENT_FILE at once, so a process killed with SIGKILL has still told what it sent.
import { appendFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createServices, recoverUnprocessed, runFollowUp } from "../../src/services.ts";
import { createApp } from "../../src/app.ts";

let at = new Date(process.env.START_AT!);
const services = await createServices(
  loadConfig({ NODE_ENV: "test", DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: process.env.INSTANCE_LOG_LEVEL ?? "silent", MEDIA_DIR: process.env.MEDIA_DIR, DATABASE_POOL_SIZE: "16" }),
  createLogger(process.env.INSTANCE_LOG_LEVEL ?? "silent", false),
  { clock: () => new Date(at) },
);
services.channels.get("simulator")!.send = async (m) => {
  appendFileSync(process.env.SENT_FILE!, `${m.outboxId}\n`);
};
const server = createApp(services).listen(0, "127.0.0.1", () => {
  process.send!({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

process.on("message", async (msg: { at?: string; tick?: string; id: number }) => {
  try {
    if (msg.at) at = new Date(msg.at);
    if (msg.tick) {
      at = new Date(msg.tick);
      await recoverUnprocessed(services);
      await runFollowUp(services);
      // The outbox's cron passes every 10 s, 100 messages each: within the parent's step, until nothing is due.
      for (let i = 0; i < 500; i++) {
        const pass = (await services.dispatcher.flush(at)) as { sent: number; failed: number } | undefined;
        if (!pass || pass.sent + pass.failed === 0) break;
      }
    }
    process.send!({ id: msg.id, ok: true });
  } catch (err) {
    process.send!({ id: msg.id, ok: false, error: String((err as Error).stack ?? err) });
  }
});
