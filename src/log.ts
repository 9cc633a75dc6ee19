// Structured logs (pino). Message texts and names never go into logs: log ids, not content.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, pretty = process.stdout.isTTY): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ["text", "*.text", "senderName", "*.senderName", "phone", "*.phone", "authorization", "*.authorization"],
      censor: "[redacted]",
    },
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname" } } } : {}),
  });
}
