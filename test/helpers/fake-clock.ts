import type { Clock } from '../../src/clock.js';

/** A clock the test moves: timers fire only inside advance(), in time order. */
export class FakeClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  constructor(private t = Date.UTC(2026, 0, 1)) {}

  now(): number { return this.t; }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => { this.timers = this.timers.filter((x) => x !== timer); } };
  }

  /** Moves time forward by ms, firing each timer due on the way and letting the work it starts finish. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets queued work run: watch deliveries, coalescing windows and store commits (real event-loop turns, no fake time). */
export async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 25));
}
