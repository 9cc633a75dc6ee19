// Builds everything the service runs on, from config: database, reference data, classifiers, intake, channels,
// outbox. main.ts and the tests both start here.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import type { Config } from "./config.ts";
import { assertMigrated, engineOf, openDb, type Db } from "./db.ts";
import type { Logger } from "./log.ts";
import { seedDefaults } from "./seed.ts";
import { ReferenceData } from "./reference.ts";
import { FallbackClassifier, LearnedClassifier, LearningStore } from "./classify/index.ts";
import { maskStoredExamples } from "./classify/learning.ts";
import { llmClassifierFromConfig, type LlmClassifier } from "./classify/llm.ts";
import { PlaceChooser } from "./classify/placeChoice.ts";
import { PromptVersions } from "./admin/promptVersions.ts";
import { Evaluations } from "./admin/evaluations.ts";
import { Intake } from "./intake/pipeline.ts";
import { Replies } from "./texts/replies.ts";
import { calendarFromFile } from "./domain/calendarFile.ts";
import { OutboxDispatcher } from "./outbox.ts";
import type { Channel, ChannelName } from "./channels/types.ts";
import { HttpChannel } from "./channels/http/index.ts";
import { SimulatorChannel } from "./channels/simulator/index.ts";
import { WebhookChannel } from "./channels/webhook/index.ts";
import { ChannelLease } from "./channels/lease.ts";
import { Clock, parseOffset } from "./clock.ts";
import { SettingsStore } from "./settings.ts";
import { CaseService } from "./cases/service.ts";
import { Scheduler } from "./followup/scheduler.ts";
import { jobHandlers } from "./followup/index.ts";
import { SatisfactionReader } from "./followup/satisfaction.ts";
import { ensureRetentionScheduled } from "./followup/jobs/retention.ts";
import { ensureHotspotsScheduled } from "./followup/jobs/hotspots.ts";
import { WechatMpChannel } from "./channels/wechatMp/index.ts";
import { WecomApp, WecomChannel, WecomKfChannel } from "./channels/wecom/index.ts";
import { MediaFiles } from "./media/files.ts";
import { MediaService } from "./media/service.ts";
import { SignedLinks } from "./media/links.ts";
import { ffmpegCanDecodeAmr } from "./media/voice.ts";
import { OpenAiTranscriber } from "./media/transcribe.ts";

export interface Services {
  config: Config;
  log: Logger;
  db: Db;
  /** This instance among those on one database (host, process, a random part): who holds a channel's lease. */
  instanceId: string;
  /** The service's time; every time-based step takes `clock()` as its `now`. */
  clock: () => Date;
  /** The clock itself: adjustable in development (the simulator's fast-forward). */
  clockControl: Clock;
  reference: ReferenceData;
  settings: SettingsStore;
  learning: LearningStore;
  cases: CaseService;
  scheduler: Scheduler;
  intake: Intake;
  dispatcher: OutboxDispatcher;
  channels: Map<ChannelName, Channel>;
  classifierName: string;
  /** The configured LLM (null without one) and the local classifier, for the administrators' preview and evaluation. */
  llm: LlmClassifier | null;
  local: LearnedClassifier;
  prompts: PromptVersions;
  evaluations: Evaluations;
  /** What the bot says: the files' texts, or an administrator's versions. */
  replies: Replies;
  /** Residents' photos, voice messages and pins. */
  media: MediaService;
  /** Signed, time-limited links (photos for units, the survey page). */
  links: SignedLinks;
  /** Whether ffmpeg is there to turn WeChat's voice into MP3. */
  ffmpegOk: boolean;
}

export interface ServiceOverrides {
  /** A fake clock for tests. */
  clock?: () => Date;
  /** A clock that runs, set to a given time (tests of the simulator's fast-forward). */
  clockControl?: Clock;
  /** A Wechaty puppet instance instead of WECHATY_PUPPET (tests pass wechaty-puppet-mock). */
  wechatyPuppet?: object;
}

export async function createServices(config: Config, log: Logger, overrides: ServiceOverrides = {}): Promise<Services> {
  const file = config.DATABASE_URL.replace(/^file:/, "");
  if (engineOf(config.DATABASE_URL) === "sqlite" && file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = await openDb(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  await assertMigrated(db);
  await seedDefaults(db, log);
  const reference = await new ReferenceData(db).reload();
  // The clock moves only in development, and only through the simulator (which is off once residents can reach the service).
  const clockControl = overrides.clockControl ?? new Clock(parseOffset(config.NOW_OFFSET), config.NODE_ENV === "development" && config.simulatorEnabled);
  const clock = overrides.clock ?? clockControl.now;
  const calendar = calendarFromFile(config.CALENDAR_FILE);
  const replies = new Replies(undefined, log);
  await replies.fresh(db);

  const settings = new SettingsStore(db);
  // Given the list, each training also learns the confidence calibration the cascade's threshold reads.
  const learning = new LearningStore(db, log, undefined, () => reference.catalogue);
  const masked = await maskStoredExamples(db);
  if (masked) log.info({ examples: masked }, "masked personal data in stored examples");
  await learning.load();
  const local = new LearnedClassifier(() => learning.learned);
  const llm = llmClassifierFromConfig(config, { examples: async () => (await settings.current()).llmExamples });
  const prompts = new PromptVersions(db, log);
  await prompts.ensureDefault(clock());
  const classifier = new FallbackClassifier(local, llm, log, async () => (await settings.current()).cascadeThreshold, () => prompts.active());
  const evaluations = new Evaluations({ db, log, prompts, llm, local, catalogue: () => reference.catalogue, clock });
  await evaluations.markInterrupted(clock());

  const channels = new Map<ChannelName, Channel>();
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Channels that allow one connection per account are held by one instance at a time (channels/lease.ts).
  const leaseFor = (key: string) => new ChannelLease({ db, key, holder: instanceId, clock, log: log.child({ lease: key }) });
  const links = new SignedLinks(config.LINK_SECRET, (config.PUBLIC_URL ?? `http://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${config.PORT}`).replace(/\/+$/, ""));
  if (links.ephemeral && (config.wechatMp || config.wecom)) log.warn("LINK_SECRET is not set: links to photos and the survey page stop working when the service restarts");
  const ffmpegOk = await ffmpegCanDecodeAmr(config.FFMPEG_PATH);
  if (!ffmpegOk) log.warn({ ffmpeg: config.FFMPEG_PATH }, "ffmpeg not found or cannot decode AMR: voice messages are kept as they came, not converted to MP3");
  const media = new MediaService({
    db,
    log: log.child({ part: "media" }),
    files: new MediaFiles(config.MEDIA_DIR),
    channels,
    replies,
    links,
    ffmpeg: ffmpegOk ? config.FFMPEG_PATH : null,
    transcriber: config.ASR_MODEL && llm ? new OpenAiTranscriber(llm.client, config.ASR_MODEL) : null,
  });
  const cases = new CaseService({ db, log, settings, calendar, replies, learn: (e) => learning.learn(e), forwardPhotos: (tx, caseId, now) => media.forward(tx, caseId, "all", now) });
  const satisfaction = new SatisfactionReader(llm ? { client: llm.client, model: llm.model } : null, () => replies.text("satisfaction_prompt")!);
  const intake = new Intake({
    db,
    log,
    settings: {
      botName: config.BOT_NAME,
      triggerPrefixes: config.TRIGGER_PREFIXES,
      reviewConfidence: config.REVIEW_CONFIDENCE,
      questionTtlHours: config.QUESTION_TTL_HOURS,
    },
    classifier,
    local,
    reference,
    calendar,
    replies,
    cases,
    runtimeSettings: settings,
    satisfaction,
    answersInRequest: (name) => channels.get(name as ChannelName)?.answersInRequest ?? false,
    replyHoldMs: (name) => channels.get(name as ChannelName)?.replyHoldMs ?? 0,
    hasReplyWindow: (name) => Boolean(channels.get(name as ChannelName)?.replyWindow),
    media,
    placeChooser: llm ? new PlaceChooser(llm, log.child({ part: "places" })) : null,
  });

  const dispatcher = new OutboxDispatcher(db, channels, log, async () => (await settings.current()).quietHours, media.files);
  channels.set("http", new HttpChannel(config.HTTP_CHANNEL_CALLBACK_URL ? { url: config.HTTP_CHANNEL_CALLBACK_URL, token: config.HTTP_CHANNEL_TOKEN } : undefined));
  channels.set("webhook", new WebhookChannel());
  if (config.simulatorEnabled) channels.set("simulator", new SimulatorChannel());
  const puppet = overrides.wechatyPuppet ?? config.WECHATY_PUPPET;
  if (puppet) {
    // Wechaty and its gRPC stack are loaded only for a personal account (80 MB a process that has none).
    const { WechatyChannel } = await import("./channels/wechaty/index.ts");
    channels.set(
      "wechaty",
      new WechatyChannel({
        name: config.WECHATY_NAME,
        puppet,
        puppetToken: config.WECHATY_PUPPET_TOKEN,
        log: log.child({ channel: "wechaty" }),
        lease: leaseFor(`wechaty:${config.WECHATY_NAME}`),
        onMessage: async (message) => {
          await intake.receive(message, clock());
          await dispatcher.flush(clock());
        },
      }),
    );
  }

  if (config.wechatMp) {
    channels.set(
      "wechat-mp",
      new WechatMpChannel({
        ...config.wechatMp,
        db,
        log: log.child({ channel: "wechat-mp" }),
        clock,
        // WeChat gives up after 5 s: the callback waits WECHAT_REPLY_WAIT_MS, the reply is held a second longer.
        replyHoldMs: config.WECHAT_REPLY_WAIT_MS + 1000,
        templates: async () => (await settings.current()).mpSubscribeTemplates,
      }),
    );
  }
  if (config.wecom) {
    const app = new WecomApp({ ...config.wecom, db, log: log.child({ channel: "wecom" }), clock });
    channels.set("wecom", new WecomChannel(app));
    channels.set(
      "wecom-kf",
      new WecomKfChannel(
        app,
        async (message) => {
          await intake.receive(message, clock());
          await dispatcher.flush(clock());
        },
        leaseFor(`wecom-kf:${config.wecom.corpId}`),
      ),
    );
  }

  const scheduler = new Scheduler(db, jobHandlers({ db, log, replies, settings, cases, media, links }), log.child({ part: "scheduler" }));
  await ensureRetentionScheduled({ db }, clock());
  await ensureHotspotsScheduled({ db }, clock());

  return { config, log, db, instanceId, clock, clockControl, reference, settings, learning, cases, scheduler, intake, dispatcher, channels, classifierName: classifier.name, llm, local, prompts, evaluations, replies, media, links, ffmpegOk };
}

/**
 * Messages a crash left stored but unanswered (persist first, then act) are answered at start and by a periodic
 * pass on every instance: those another instance was processing when it died, once its claim has run out.
 */
export async function recoverUnprocessed(services: Services): Promise<number> {
  const count = await services.intake.recover(services.clock());
  if (count) services.log.info({ count }, "answered messages left unprocessed (a crash, or an instance that died)");
  return count;
}

export { runFollowUp } from "./followup/run.ts";
