// A fake clock for follow-up tests: time moves only when the test moves it.
export class FakeClock {
  private at: Date;
  constructor(start: string | Date) {
    this.at = new Date(start);
  }
  readonly now = () => new Date(this.at);
  set(to: string | Date) {
    this.at = new Date(to);
  }
  advance(ms: number) {
    this.at = new Date(this.at.getTime() + ms);
  }
}

/** An instant given in China time, e.g. cst("2026-09-30T10:00"). */
export const cst = (s: string) => new Date(`${s}${s.length === 16 ? ":00" : ""}+08:00`);
export const HOUR = 3600_000;
export const MINUTE = 60_000;
export const DAY = 24 * HOUR;
