// Webhook delivery for units and areas whose contact is a URL, in the WeCom (企业微信) group-robot format
// {"msgtype":"text","text":{"content":…}}, which many bridges accept. The outbox row's chatId is the URL.
import type { Channel, ChannelHealth, OutboundMessage } from "../types.ts";

export class WebhookChannel implements Channel {
  readonly name = "webhook" as const;
  readonly pushes = true;
  readonly answersInRequest = false;

  constructor(private readonly timeoutMs = 10_000) {}

  async start() {}
  async stop() {}
  health(): ChannelHealth {
    return { state: "up" };
  }

  async send(m: OutboundMessage): Promise<void> {
    const res = await fetch(m.chatId, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ msgtype: "text", text: { content: m.text } }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
    // WeCom answers 200 with errcode ≠ 0 for refused messages (rate limits, bad key).
    if (typeof body.errcode === "number" && body.errcode !== 0) throw new Error(`webhook refused: ${body.errcode} ${body.errmsg ?? ""}`.trim());
  }
}
