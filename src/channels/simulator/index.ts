// The web simulator's channel: a person plays residents and units on a page (routes/simulator.ts); nothing is
// delivered, as the page reads the bot's sent messages from the outbox.
import type { Channel, ChannelHealth } from "../types.ts";

export class SimulatorChannel implements Channel {
  readonly name = "simulator" as const;
  readonly pushes = true;
  readonly answersInRequest = false;
  async start() {}
  async stop() {}
  /** Nothing to deliver to: the page reads sent messages from the outbox. */
  async send(): Promise<void> {}
  health(): ChannelHealth {
    return { state: "up" };
  }
}
