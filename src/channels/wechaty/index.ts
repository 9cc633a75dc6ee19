// The WeChat channel: an in-process Wechaty bot on a personal account (fragile: WeChat closes such logins, see
// the README). Room @mentions and private chats become inbound messages, photos and voice through their FileBox;
// outbox messages are said in the room (mentioning the resident) or the private chat, photos sent as files.
import { WechatyBuilder, type Wechaty, type Message, type Contact } from "wechaty";
import { FileBox } from "file-box";
import qrcodeTerminal from "qrcode-terminal";
import type { Channel, ChannelHealth, ChannelState, InboundMessage, OutboundMessage } from "../types.ts";
import { inboundMessageSchema } from "../types.ts";
import type { Logger } from "../../log.ts";
import { MEDIA_LIMITS } from "../../media/check.ts";
import type { ChannelLease } from "../lease.ts";

export interface WechatyChannelOptions {
  name: string;
  /** A puppet package name (e.g. wechaty-puppet-wechat4u) or a puppet instance (tests use wechaty-puppet-mock). */
  puppet: string | object;
  puppetToken?: string;
  log: Logger;
  onMessage: (message: InboundMessage) => Promise<void>;
  /** One login per account: with several instances, only the lease's holder logs in (the others stand by). */
  lease?: ChannelLease;
}

const RESTART_DELAYS_MS = [5_000, 15_000, 60_000, 300_000];

export class WechatyChannel implements Channel {
  readonly name = "wechaty" as const;
  readonly pushes = true;
  readonly answersInRequest = false;
  private bot: Wechaty | null = null;
  private state: ChannelState = "stopped";
  private detail: string | undefined;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** The login QR code's content while a scan is awaited, drawn on the console (never sent to an outside site). */
  private qrcode: string | undefined;
  /** Another instance holds the login (the lease): this one does not connect. */
  private standingBy = false;

  constructor(private readonly opts: WechatyChannelOptions) {}

  health(): ChannelHealth {
    if (this.standingBy) return this.opts.lease!.standby();
    return { state: this.state, ...(this.detail ? { detail: this.detail } : {}), ...(this.qrcode && this.state === "waiting_for_login" ? { qrcode: this.qrcode } : {}) };
  }

  /** Logs in; with a lease, once this instance holds it (and logs out if another instance takes it over). */
  async start(): Promise<void> {
    const lease = this.opts.lease;
    if (!lease) return this.connect();
    this.standingBy = true;
    await lease.keep(async (held) => {
      this.standingBy = !held;
      if (held) await this.connect();
      else await this.disconnect();
    });
  }

  private async connect(): Promise<void> {
    this.stopping = false;
    this.state = "starting";
    const bot = WechatyBuilder.build({
      name: this.opts.name,
      puppet: this.opts.puppet as never,
      ...(this.opts.puppetToken ? { puppetOptions: { token: this.opts.puppetToken } } : {}),
    });
    this.bot = bot;
    bot.on("scan", (qrcode, status) => this.onScan(qrcode, status));
    bot.on("login", (user) => {
      this.state = "up";
      this.detail = undefined;
      this.qrcode = undefined;
      this.restarts = 0;
      this.opts.log.info({ user: user.id }, "WeChat logged in");
    });
    bot.on("logout", (_user, reason) => {
      this.state = "waiting_for_login";
      this.detail = "已退出登录，等待重新扫码";
      this.opts.log.warn({ reason }, "WeChat logged out; waiting for a new login");
    });
    bot.on("error", (err) => {
      this.opts.log.error({ err: err.message }, "Wechaty error");
      if (!bot.isLoggedIn) this.scheduleRestart(err.message);
    });
    bot.on("message", (msg) => {
      this.onWechatMessage(msg).catch((err) => this.opts.log.error({ err, messageId: msg.id }, "failed to take a WeChat message"));
    });
    try {
      await bot.start();
    } catch (err) {
      this.scheduleRestart((err as Error).message);
    }
  }

  async stop(): Promise<void> {
    this.opts.lease?.stopKeeping();
    await this.disconnect();
    this.standingBy = false;
    await this.opts.lease?.release();
  }

  private async disconnect(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const bot = this.bot;
    this.bot = null;
    this.state = "stopped";
    if (bot) await bot.stop().catch((err) => this.opts.log.warn({ err: (err as Error).message }, "Wechaty did not stop cleanly"));
  }

  async send(m: OutboundMessage): Promise<void> {
    const bot = this.bot;
    if (!bot || !bot.isLoggedIn) throw new Error("WeChat is not logged in");
    if (m.isGroup) {
      const room = await bot.Room.find({ id: m.chatId });
      if (!room) throw new Error(`room ${m.chatId} not found`);
      const contacts = (await Promise.all(m.mentions.map((x) => bot.Contact.find({ id: x.id })))).filter((c): c is Contact => Boolean(c));
      await room.say(m.text, ...contacts);
      for (const file of m.media) await room.say(FileBox.fromFile(file.path, file.fileName));
    } else {
      const contact = await bot.Contact.find({ id: m.chatId });
      if (!contact) throw new Error(`contact ${m.chatId} not found`);
      await contact.say(m.text);
      for (const file of m.media) await contact.say(FileBox.fromFile(file.path, file.fileName));
    }
  }

  async groups(): Promise<{ chatId: string; name: string }[]> {
    const bot = this.bot;
    if (!bot || !bot.isLoggedIn) return [];
    const rooms = await bot.Room.findAll();
    return Promise.all(rooms.map(async (r) => ({ chatId: r.id, name: await r.topic() })));
  }

  /** The QR code is drawn here, in the terminal and on the console's organisation page; whoever scans it becomes the bot. */
  private onScan(qrcode: string, status: number) {
    this.state = "waiting_for_login";
    this.qrcode = qrcode;
    this.detail = "等待扫码登录：二维码见终端或工作台“组织与设置”页";
    this.opts.log.info({ status }, "scan the QR code in the terminal or on the console to log in to WeChat");
    qrcodeTerminal.generate(qrcode, { small: true });
  }

  private scheduleRestart(reason: string) {
    if (this.stopping || this.restartTimer) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)];
    this.restarts++;
    this.state = "down";
    this.detail = `连接中断，${Math.round(delay / 1000)} 秒后重连：${reason}`;
    this.opts.log.warn({ delayMs: delay, reason }, "restarting Wechaty");
    this.restartTimer = setTimeout(async () => {
      this.restartTimer = null;
      const old = this.bot;
      this.bot = null;
      await old?.stop().catch(() => undefined);
      if (!this.stopping) await this.connect();
    }, delay);
    this.restartTimer.unref();
  }

  private async onWechatMessage(msg: Message) {
    if (msg.self() || !this.bot) return;
    const Type = this.bot.Message.Type;
    const room = msg.room();
    const talker = msg.talker();
    const type = msg.type();
    let content: Partial<InboundMessage>;
    if (type === Type.Text) content = { kind: "text", text: room ? await msg.mentionText() : msg.text() };
    else if (type === Type.Image || type === Type.Audio) {
      const kind = type === Type.Image ? "image" : "voice";
      // The FileBox lives only as long as the message: its bytes are taken now and stored by the intake.
      const box = await msg.toFileBox();
      const data = await box.toBuffer();
      if (data.length > MEDIA_LIMITS[kind]) {
        this.opts.log.warn({ messageId: msg.id, kind, size: data.length }, "ignored a WeChat file that is too large");
        return;
      }
      content = { kind, text: "", media: { kind, data, fileName: box.name } };
    } else if (type === Type.Location) {
      const at = await msg.toLocation();
      const label = [at.name(), at.address()].filter(Boolean).join(" ").slice(0, 300);
      content = { kind: "location", text: label, location: { latitude: at.latitude(), longitude: at.longitude(), label: label || undefined } };
    } else if (room) return; // group chatter of other kinds is not for the bot
    else content = { kind: "unsupported", text: "" };
    const parsed = inboundMessageSchema.safeParse({
      channel: "wechaty",
      messageId: msg.id,
      chatId: room ? room.id : talker.id,
      chatName: room ? await room.topic() : talker.name(),
      isGroup: Boolean(room),
      senderId: talker.id,
      senderName: talker.name(),
      ...content,
      mentionsBot: room && type === Type.Text ? await msg.mentionSelf() : false,
      raw: { id: msg.id, type, roomId: room?.id ?? null, talkerId: talker.id, text: msg.text(), date: msg.date().toISOString() },
    });
    if (!parsed.success) {
      this.opts.log.warn({ messageId: msg.id, problem: parsed.error.issues[0]?.message }, "ignored a WeChat message that does not fit");
      return;
    }
    await this.opts.onMessage(parsed.data);
  }
}
