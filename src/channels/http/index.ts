// The generic HTTP channel: other systems post a chat message (routes/httpChannel.ts) and get the bot's replies in
// the response; later messages go to the integration's callback URL.
import type { Channel, ChannelHealth, OutboundMessage } from "../types.ts";

export class HttpChannel implements Channel {
  readonly name = "http" as const;
  readonly answersInRequest = true;
  /** Later messages (progress, surveys) are posted to the integration's callback URL, when it has one. */
  readonly pushes: boolean;

  constructor(private readonly callback?: { url: string; token?: string }) {
    this.pushes = Boolean(callback);
  }

  async start() {}
  async stop() {}
  async send(m: OutboundMessage): Promise<void> {
    if (!this.callback) throw new Error("no HTTP_CHANNEL_CALLBACK_URL configured");
    const res = await fetch(this.callback.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.callback.token ? { authorization: `Bearer ${this.callback.token}` } : {}) },
      body: JSON.stringify({ id: m.outboxId, chatId: m.chatId, isGroup: m.isGroup, text: m.text, mentions: m.mentions.map((x) => x.id) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`callback answered HTTP ${res.status}`);
  }
  health(): ChannelHealth {
    return { state: "up" };
  }
}
