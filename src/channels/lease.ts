// One instance at a time for a channel that allows one connection per account (the Wechaty login, the 微信客服
// puller): a lease row in the database (ChannelLease), renewed by its holder every 15 s for 45 s. When the holder
// dies, another instance takes it over within a minute (its lease runs out ≤ 45 s after the last renewal, and the
// others look every 15 s); a holder that stops releases it at once. Time is `now`, from the service's clock.
import type { Db } from "../db.ts";
import { isUniqueViolation } from "../db.ts";
import type { Logger } from "../log.ts";
import type { ChannelHealth } from "./types.ts";

export const LEASE_MS = 45_000;
export const RENEW_MS = 15_000;

export interface ChannelLeaseOptions {
  db: Db;
  /** The channel (and account) the lease is for: "wechaty", "wecom-kf". */
  key: string;
  /** This instance (host, process, a random part). */
  holder: string;
  clock: () => Date;
  log: Logger;
}

export class ChannelLease {
  /** Until when this instance holds the lease, as it last wrote it; null when it does not. */
  private until: Date | null = null;
  private timer: NodeJS.Timeout | null = null;
  private turn: Promise<unknown> = Promise.resolve();
  private watcher: { changed: (held: boolean, now: Date) => Promise<void>; held?: (now: Date) => Promise<void>; was: boolean } | null = null;
  /** Another instance held the lease when this one last tried to take it. */
  heldElsewhere = false;

  constructor(readonly o: ChannelLeaseOptions) {}

  /** Whether this instance holds the lease at `now`. */
  holds(now: Date): boolean {
    return this.until !== null && now < this.until;
  }

  /**
   * Takes the lease, or renews it, until `now` + 45 s: when this instance holds it, nobody does, or the holder's has
   * run out. False when another instance holds it. A database that cannot be reached keeps what this one holds
   * until its lease runs out (then nobody else can have taken it either).
   */
  async take(now: Date): Promise<boolean> {
    const { db, key, holder } = this.o;
    const until = new Date(now.getTime() + LEASE_MS);
    try {
      const renewed = await db.channelLease.updateMany({ where: { key, holder, until: { gte: now } }, data: { until } });
      const taken = renewed.count
        ? renewed
        : await db.channelLease.updateMany({ where: { key, OR: [{ until: { lt: now } }, { holder }] }, data: { holder, until, takenAt: now } });
      if (!taken.count) {
        try {
          await db.channelLease.create({ data: { key, holder, until, takenAt: now } });
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          this.until = null; // another instance holds it
          this.heldElsewhere = true;
          return false;
        }
      }
      this.until = until;
      this.heldElsewhere = false;
      return true;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, lease: key }, "could not renew the channel lease");
      return this.holds(now);
    }
  }

  /** Gives the lease up (the channel stopped), so another instance may take it at once. */
  async release(): Promise<void> {
    this.stopKeeping();
    const held = this.until !== null;
    this.until = null;
    this.heldElsewhere = false;
    if (held) await this.o.db.channelLease.deleteMany({ where: { key: this.o.key, holder: this.o.holder } }).catch(() => undefined);
  }

  /**
   * Takes or renews the lease now and every 15 s; `changed(true)` when this instance comes to hold it (connect),
   * `changed(false)` when it no longer does (disconnect), `held()` on each renewal while it does.
   */
  async keep(changed: (held: boolean, now: Date) => Promise<void>, held?: (now: Date) => Promise<void>): Promise<void> {
    this.stopKeeping();
    this.watcher = { changed, held, was: false };
    await this.check();
    this.timer = setInterval(() => void this.check(), RENEW_MS);
    this.timer.unref();
  }

  /** One look (the timer's, or a test's on a fake clock): take or renew, and connect or disconnect on a change. */
  check(): Promise<unknown> {
    const look = async () => {
      const w = this.watcher;
      if (!w) return;
      const now = this.o.clock();
      const holds = await this.take(now);
      if (holds !== w.was) {
        w.was = holds;
        this.o.log.info({ lease: this.o.key, holds }, holds ? "holding the channel's lease: connecting" : "another instance holds the channel's lease: standing by");
        await w.changed(holds, now);
      } else if (holds && w.held) await w.held(now);
    };
    // One look at a time: a slow connect is not overtaken by the next renewal.
    this.turn = this.turn.then(look).catch((err) => this.o.log.error({ err, lease: this.o.key }, "channel lease check failed"));
    return this.turn;
  }

  stopKeeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watcher = null;
  }

  /** What /health and the channel status say on an instance that does not hold the lease. */
  standby(): ChannelHealth {
    return { state: "standby", detail: "另一实例正连接此渠道（每个账号只能有一处连接），本实例待命；该实例停止后一分钟内由本实例接管" };
  }
}
