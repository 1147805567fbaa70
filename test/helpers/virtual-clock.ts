/**
 * A virtual clock for code that takes a PushClock: time moves only when the
 * test advances it, so an hour of retries and backoff runs in seconds while
 * every request, store write and refused connection stays real.
 */
import type { PushClock } from '../../core/fhir-sync/outbox-pusher.js';

interface Timer {
  at: number;
  fn: () => void;
}

export class VirtualClock implements PushClock {
  private t = Date.now();
  private readonly timers = new Set<Timer>();
  /** Every delay asked for, in order (to check backoff). */
  readonly delays: number[] = [];

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + Math.max(0, ms), fn };
    this.timers.add(timer);
    this.delays.push(ms);
    return () => this.timers.delete(timer);
  }

  /**
   * Moves time forward by `ms`, firing due timers in order; before each step
   * it waits (in real time, up to `settleMs`) until the code under test is
   * asleep again, i.e. has a timer pending.
   */
  async advance(ms: number, settleMs = 60_000): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await this.asleep(settleMs);
      const next = [...this.timers].sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > end) break;
      this.timers.delete(next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  private async asleep(settleMs: number): Promise<void> {
    const deadline = Date.now() + settleMs;
    while (this.timers.size === 0) {
      if (Date.now() > deadline) throw new Error(`nothing went to sleep within ${settleMs} ms of real time`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
