// Starts the service: web server, channels, outbox dispatcher. Stops cleanly on SIGINT/SIGTERM.
import type { Server } from "node:http";
import cron from "node-cron";
import { ConfigError, loadConfig } from "./config.ts";
import { loadDotEnv } from "./env.ts";
import { createLogger } from "./log.ts";
import { createServices, recoverUnprocessed, runFollowUp } from "./services.ts";
import { createApp } from "./app.ts";
import { ensureFirstAdmin } from "./auth/users.ts";
import { announceFirstAdmin } from "./auth/firstAdmin.ts";
import { readCacheOf, statementsSent } from "./db.ts";
import { applyMigrations } from "./migrations/apply.ts";
import { startWalCheckpoints } from "./walCheckpoint.ts";

async function main() {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const migrated = await applyMigrations(config.DATABASE_URL);
  if (migrated?.applied.length) log.info({ migrations: migrated.applied }, "applied database migrations");
  if (migrated?.changed.length) log.warn({ migrations: migrated.changed }, "applied migrations whose committed files have changed since");
  const services = await createServices(config, log);
  // On SQLite the write-ahead log is copied into the database on a thread of its own, not in a request's commit.
  const checkpoints = await startWalCheckpoints(services.db, log);
  const app = createApp(services);

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.on("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const base = config.PUBLIC_URL ?? `http://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${port}`;

  for (const channel of services.channels.values()) await channel.start();
  await recoverUnprocessed(services);
  // Retries of queued messages (a channel was down, a send failed). Fresh replies are sent right away.
  const outboxTask = cron.schedule("*/10 * * * * *", () => {
    services.dispatcher.flush(services.clock()).catch((err) => log.error({ err }, "outbox pass failed"));
  }, { noOverlap: true });
  // Messages another instance stored and did not answer (it died): taken over once its claim has run out.
  const recoveryTask = cron.schedule("*/30 * * * * *", () => {
    recoverUnprocessed(services).catch((err) => log.error({ err }, "recovery pass failed"));
  }, { noOverlap: true });
  // Follow-up (催办, 督办, progress, 回访, retention): durable jobs in the database, run when due.
  const followUpTask = config.SCHEDULER_ENABLED
    ? cron.schedule(config.SCHEDULER_CRON, () => {
        runFollowUp(services).catch((err) => log.error({ err }, "follow-up pass failed"));
      }, { noOverlap: true })
    : null;
  if (followUpTask) await runFollowUp(services); // catch up on work missed while the service was down

  const firstAdmin = await ensureFirstAdmin(services.db);
  if (firstAdmin) log.info("first administrator account created");
  // The password itself on a terminal only; elsewhere stdout is kept in a journal, so it goes to a 0600 file.
  const firstAdminLines = firstAdmin ? announceFirstAdmin(firstAdmin, { tty: Boolean(process.stdout.isTTY), dataDir: config.dataDir }) : [];
  log.info({ classifier: services.classifierName, matters: services.reference.catalogue.matters.length }, "minhu started");
  console.log(
    [
      "",
      `民呼我应 已启动（分类器：${services.classifierName === "local" ? "本地分类器" : "大模型 + 本地兜底"}）`,
      `  工作台      ${base}/console/`,
      ...firstAdminLines.map((line) => `              ${line}`),
      `  模拟器      ${config.simulatorEnabled ? `${base}/simulator（仅限本机访问）` : "已关闭（已配置正式渠道或 PUBLIC_URL；SIMULATOR_ENABLED=true 可开启）"}`,
      `  健康检查    ${base}/health`,
      `  HTTP 渠道   POST ${base}/api/channels/http/messages`,
      `  服务号      ${services.channels.has("wechat-mp") ? `已启用，回调 URL ${base}/channels/wechat-mp（填到 开发 → 基本配置 → 服务器配置）` : "未启用（设置 WECHAT_MP_APPID 等四项开启，见 README“Going live”）"}`,
      `  企业微信    ${services.channels.has("wecom") ? `已启用（应用与微信客服），回调 URL ${base}/channels/wecom（填到 应用 → 接收消息）` : "未启用（设置 WECOM_CORP_ID 等五项开启）"}`,
      `  个人微信    ${services.channels.has("wechaty") ? "已启用（Wechaty），扫码登录：见上方二维码或工作台“组织与设置”" : "未启用（设置 WECHATY_PUPPET 开启；个人号易被封，见 README）"}`,
      `  跟进任务    ${config.SCHEDULER_ENABLED ? `已启用（${config.SCHEDULER_CRON}）` : "已关闭"}${services.clockControl.offset ? `；时钟快进 ${Math.round(services.clockControl.offset / 3600_000)} 小时` : ""}`,
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    outboxTask.stop();
    recoveryTask.stop();
    followUpTask?.stop();
    server.close();
    for (const channel of services.channels.values()) await channel.stop();
    await services.learning.close();
    await checkpoints?.stop();
    await services.db.$disconnect();
    process.exit(0);
  };
  // A parent that started this process with an IPC channel (the benchmarks) may ask for its figures.
  process.on("message", (m) => {
    if (m !== "stats") return;
    const cache = readCacheOf(services.db);
    process.send?.({ statements: statementsSent.count, cpu: process.cpuUsage(), memory: process.memoryUsage(), readCache: cache && { entries: cache.size, hits: cache.hits, misses: cache.misses } });
  });
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err) => {
  console.error("minhu failed to start:", err);
  process.exit(1);
});
