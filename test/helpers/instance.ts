// A second service instance in its own process, over the same database file, driven by the parent test:
// {tick: ISO time} → one follow-up pass at that time; answers with the outbox ids it sent.
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createServices, runFollowUp } from "../../src/services.ts";

let at = new Date(process.env.START_AT!);
const services = await createServices(
  loadConfig({ NODE_ENV: "test", DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: "silent" }),
  createLogger("silent", false),
  { clock: () => new Date(at) },
);
const sent: number[] = [];
services.channels.get("simulator")!.send = async (m) => {
  sent.push(m.outboxId);
  await new Promise((r) => setTimeout(r, 2));
};

process.on("message", async (msg: { tick?: string; stop?: boolean }) => {
  if (msg.stop) {
    await services.learning.close();
    await services.db.$disconnect();
    process.exit(0);
  }
  at = new Date(msg.tick!);
  await runFollowUp(services);
  process.send!({ sent: sent.splice(0) });
});
process.send!({ ready: true });
