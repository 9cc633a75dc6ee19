// The service's clock. In development it can run ahead of real time (NOW_OFFSET, or the simulator's
// fast-forward buttons) so a person can watch a case go round the whole loop; in production it is real time.
export type Now = () => Date;

/** "90m", "36h", "3d", "1d12h" or plain milliseconds → milliseconds. */
export function parseOffset(text: string): number {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)\s*(d|h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * { d: 86400_000, h: 3600_000, m: 60_000, s: 1000 }[m[2] as "d" | "h" | "m" | "s"];
    consumed = re.lastIndex;
  }
  if (consumed !== t.length || consumed === 0) throw new Error(`cannot read the time offset "${text}" (use e.g. 90m, 36h, 3d)`);
  return total;
}

export class Clock {
  constructor(
    private offsetMs = 0,
    readonly adjustable = false,
  ) {}

  readonly now: Now = () => new Date(Date.now() + this.offsetMs);

  get offset(): number {
    return this.offsetMs;
  }

  advance(ms: number): void {
    if (!this.adjustable) throw new Error("the clock can only be moved in development");
    if (ms < 0) throw new Error("the clock only moves forward");
    this.offsetMs += ms;
  }
}
