// Starts the real service (Koa app, intake, channels) on a copy of the migrated template database (SQLite, or
// PostgreSQL when TEST_POSTGRES_URL is set: see database.ts).
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createServices, type ServiceOverrides, type Services } from "../../src/services.ts";
import { createApp } from "../../src/app.ts";
import type { Settings } from "../../src/settings.ts";
import { freshDatabase, type TestDatabase } from "./database.ts";

export { freshDatabase, type TestDatabase } from "./database.ts";

export interface TestService {
  url: string;
  services: Services;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * For files whose tests each send the same appeal to one shared service and expect a case of their own: 同诉
 * joining is off there (its own tests are in same-problem.test.ts), so no test depends on which ran before it.
 */
export const EACH_APPEAL_ITS_OWN_CASE: Partial<Settings> = { sameProblemSimilarity: 1 };

/**
 * Starts the service on a fresh copy of the template database, or on `on.database` (a restart: that database is
 * kept when this service closes), with `on.settings` changed before it takes a request.
 */
export async function startService(
  env: Record<string, string> = {},
  overrides: ServiceOverrides = {},
  on: { database?: TestDatabase; logLines?: string[]; settings?: Partial<Settings> } = {},
): Promise<TestService> {
  const database = on.database ?? (await freshDatabase());
  // Media files go in the test's own folder, and are removed with its database.
  const mediaDir = path.join(database.dir, "media");
  const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: database.url, LOG_LEVEL: on.logLines ? "debug" : "silent", MEDIA_DIR: mediaDir, ...env });
  // With `logLines`, everything the service logs (debug and up) is kept there as JSON lines, to read what it wrote.
  const lines = on.logLines;
  const log = lines ? pino({ level: "debug", base: undefined }, { write: (line: string) => void lines.push(line) }) : createLogger(config.LOG_LEVEL, false);
  const services = await createServices(config, log, overrides);
  if (on.settings) await services.settings.update(on.settings);
  const server: Server = await new Promise((resolve) => {
    const s = createApp(services).listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    services,
    async post(p, body, headers = {}) {
      const res = await fetch(url + p, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      for (const channel of services.channels.values()) await channel.stop();
      await services.learning.close();
      await services.db.$disconnect();
      if (!on.database) await database.drop();
    },
  };
}

let counter = 0;
/** A group @mention in the seeded HTTP demo group. */
export function groupMessage(text: string, extra: Record<string, unknown> = {}) {
  counter++;
  return {
    messageId: `msg-${Date.now()}-${counter}`,
    chatId: "yangguang-owners",
    chatName: "阳光花园业主群",
    isGroup: true,
    // A new resident each time, so a question the bot asked one test's resident never meets another test.
    senderId: `wx-resident-${counter}`,
    senderName: "张阿姨",
    text,
    mentionsBot: true,
    ...extra,
  };
}
