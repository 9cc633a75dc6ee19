// Channels that allow one connection per account (the Wechaty login, the 微信客服 puller) are held by one instance
// at a time through a lease row, on a fake clock: the second instance stands by (and says so on /health), takes the
// channel over within a minute when the holder dies, and at once when the holder stops.
import { afterEach, describe, expect, it, vi } from "vitest";
import { PuppetMock, mock } from "wechaty-puppet-mock";
import { ChannelLease, LEASE_MS, RENEW_MS } from "../src/channels/lease.ts";
import { WechatyChannel } from "../src/channels/wechaty/index.ts";
import { createLogger } from "../src/log.ts";
import { freshDatabase, startService, type TestDatabase, type TestService } from "./helpers/service.ts";
import { FakeClock } from "./helpers/clock.ts";

const open: TestService[] = [];
let database: TestDatabase | undefined;
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  await database?.drop();
  database = undefined;
});

const log = createLogger("silent", false);

async function twoInstances(clock: FakeClock) {
  database = await freshDatabase();
  const a = await startService({}, { clock: clock.now }, { database });
  const b = await startService({}, { clock: clock.now }, { database });
  open.push(a, b);
  const lease = (svc: TestService, holder: string) => new ChannelLease({ db: svc.services.db, key: "wechaty:test", holder, clock: clock.now, log });
  return { a, b, lease };
}

/** A Wechaty channel over a mock puppet, with its lease; `starts` counts the logins it began. */
function wechaty(lease: ChannelLease) {
  const puppet = new PuppetMock({ mocker: new mock.Mocker() });
  const starts = vi.spyOn(puppet, "start");
  const channel = new WechatyChannel({ name: `lease-${lease.o.holder}`, puppet, log, lease, onMessage: async () => undefined });
  return { channel, starts };
}

describe("a channel's lease", () => {
  it("is held by one instance; the other does not connect and says it stands by", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b, lease } = await twoInstances(clock);
    const first = wechaty(lease(a, "instance-a"));
    const second = wechaty(lease(b, "instance-b"));
    try {
      await first.channel.start();
      await second.channel.start();
      expect(first.starts).toHaveBeenCalledTimes(1);
      expect(second.starts).not.toHaveBeenCalled();
      expect(first.channel.health().state).not.toBe("standby");
      expect(second.channel.health()).toMatchObject({ state: "standby" });
      expect(second.channel.health().detail).toContain("待命");
      // What /health says on the instance that stands by.
      b.services.channels.set("wechaty", second.channel);
      const health = (await (await fetch(`${b.url}/health`)).json()) as { channels: Record<string, { state: string }> };
      expect(health.channels.wechaty.state).toBe("standby");
      b.services.channels.delete("wechaty");
      const row = await a.services.db.channelLease.findUniqueOrThrow({ where: { key: "wechaty:test" } });
      expect(row).toMatchObject({ holder: "instance-a", until: new Date(clock.now().getTime() + LEASE_MS) });
    } finally {
      await first.channel.stop();
      await second.channel.stop();
    }
  });

  it("is taken over within a minute when its holder dies, and not while the holder renews it", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b, lease } = await twoInstances(clock);
    const held = lease(a, "instance-a");
    const first = wechaty(held);
    const second = wechaty(lease(b, "instance-b"));
    try {
      await first.channel.start();
      await second.channel.start();
      // The holder renews every 15 s: the other, looking as often, never gets it.
      for (let i = 0; i < 8; i++) {
        clock.advance(RENEW_MS);
        await held.check();
        await second.channel["opts"].lease!.check();
      }
      expect(second.starts).not.toHaveBeenCalled();

      // The holder dies (SIGKILL: no release, no renewal). Its last renewal was just now.
      held.stopKeeping();
      const died = clock.now().getTime();
      let takenAfter = 0;
      while (second.starts.mock.calls.length === 0) {
        clock.advance(RENEW_MS);
        await second.channel["opts"].lease!.check();
        takenAfter = clock.now().getTime() - died;
        expect(takenAfter).toBeLessThanOrEqual(60_000);
      }
      expect(takenAfter).toBeGreaterThan(LEASE_MS - RENEW_MS);
      expect(second.channel.health().state).not.toBe("standby");
      expect(await b.services.db.channelLease.findUniqueOrThrow({ where: { key: "wechaty:test" } })).toMatchObject({ holder: "instance-b" });

      // The old holder comes back (it was only paused): its renewal finds the lease taken.
      expect(await held.take(clock.now())).toBe(false);
      expect(held.heldElsewhere).toBe(true);
    } finally {
      await first.channel.stop();
      await second.channel.stop();
    }
  });

  it("passes at once to the other instance when its holder stops", async () => {
    const clock = new FakeClock("2026-11-02T02:00:00Z");
    const { a, b, lease } = await twoInstances(clock);
    const first = wechaty(lease(a, "instance-a"));
    const second = wechaty(lease(b, "instance-b"));
    try {
      await first.channel.start();
      await second.channel.start();
      await first.channel.stop();
      expect(await a.services.db.channelLease.count()).toBe(0);
      // No wait for the lease to run out: the next look takes it.
      await second.channel["opts"].lease!.check();
      expect(second.starts).toHaveBeenCalledTimes(1);
      expect(second.channel.health().state).not.toBe("standby");
    } finally {
      await second.channel.stop();
    }
  });
});
