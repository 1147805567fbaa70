/**
 * Drains the outbox into the upstream FHIR server, one Bundle at a time,
 * oldest first (so each study's Bundles arrive in order, and conditional
 * creates of a Patient shared by two studies never race each other upstream).
 *
 * Nothing is lost: an item leaves the outbox only when the upstream accepted
 * it (ack) or refused it for good (kept as failed, requeueable). A retryable
 * failure reschedules the item with exponential backoff; when the upstream
 * looks down, the whole pusher pauses for that long instead of trying every
 * other item in turn. The queue is durable, so a restart resumes where it was.
 */
import type { FhirOutbox, OutboxStatus } from '../../storage/fhir-store.js';
import { backoffMs } from './backoff.js';
import { classify } from './push-failure.js';
import type { Upstream } from './upstream.js';

/** Time as the pusher sees it: the real clock, or a virtual one in tests of long outages. */
export interface PushClock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

const realClock: PushClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface PusherOptions {
  outbox: FhirOutbox;
  upstream: Upstream;
  backoff: { baseMs: number; maxMs: number };
  /** How long a leased item is reserved; longer than a request can take. */
  leaseMs: number;
  /** Longest sleep when idle (a safety net: enqueue wakes the pusher). */
  pollMs: number;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  clock?: PushClock;
}

export interface PushStatus extends OutboxStatus {
  enabled: true;
  /** Set while the upstream looks down; all-tenants view only. */
  pausedUntil?: string;
  lastSuccessAt?: string;
  /** The latest failure of the tenant's Bundles seen by this process, even if the item was sent since. */
  lastFailure?: { message: string; at: string };
}

export class OutboxPusher {
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private cancelSleep?: () => void;
  private sending = false;
  private pausedUntil = 0;
  /** Per tenant: a status never shows one tenant another's studies or errors. */
  private readonly lastSuccessAt = new Map<string, string>();
  private readonly lastFailure = new Map<string, { message: string; at: string }>();

  private readonly clock: PushClock;

  constructor(private readonly o: PusherOptions) {
    this.clock = o.clock ?? realClock;
  }

  private now(): number {
    return this.clock.now();
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  async start(): Promise<void> {
    await this.o.outbox.releaseLeases(); // leases of a previous run of this (only) pusher
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Something was enqueued: stop sleeping (a pause for an unavailable upstream still holds). */
  wake(): void {
    this.wakeUp?.();
  }

  /** The tenant's part of the queue (all tenants when undefined: for operators and tests). */
  async status(tenant?: string): Promise<PushStatus> {
    const s = await this.o.outbox.outboxStatus(tenant);
    const latest = <T extends { at?: string } | string>(m: Map<string, T>): T | undefined =>
      tenant !== undefined ? m.get(tenant) : [...m.values()].sort((a, b) => (at(a) < at(b) ? 1 : -1))[0];
    const at = (v: { at?: string } | string) => (typeof v === 'string' ? v : v.at ?? '');
    const lastSuccessAt = latest(this.lastSuccessAt);
    const lastFailure = latest(this.lastFailure);
    return {
      enabled: true,
      ...s,
      // Only in the all-tenants view: it moves with other tenants' pushes.
      ...(tenant === undefined && this.pausedUntil > this.now() ? { pausedUntil: this.iso(this.pausedUntil) } : {}),
      ...(lastSuccessAt ? { lastSuccessAt } : {}),
      ...(lastFailure ? { lastFailure } : {}),
    };
  }

  /** Resolves when nothing is queued or being sent; rejects after `timeoutMs`. */
  async drained(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.o.outbox.outboxStatus()).queued > 0 || this.sending) {
      if (Date.now() > deadline) throw new Error(`outbox not drained within ${timeoutMs} ms: ${JSON.stringify(await this.status())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const pause = this.pausedUntil - this.now();
      if (pause > 0) {
        await this.sleep(pause, false);
        continue;
      }
      try {
        if (!(await this.pushOne())) await this.sleep(await this.untilNextDue(), true);
      } catch (err) {
        // The outbox itself failed (its store is down): try again shortly.
        this.o.log.error({ err: { message: (err as Error)?.message } }, 'FHIR outbox unavailable');
        await this.sleep(Math.min(this.o.pollMs, 5000), false);
      }
    }
  }

  /** Sends the next due item; false when none is due. */
  private async pushOne(): Promise<boolean> {
    const item = await this.o.outbox.leaseNext(this.iso(), this.o.leaseMs);
    if (!item) return false;
    this.sending = true;
    try {
      await this.o.upstream.postTransaction(item.payload);
      await this.o.outbox.ack(item.id);
      this.lastSuccessAt.set(item.tenant, this.iso());
      this.o.log.info({ studyUid: item.studyUid, attempts: item.attempts + 1 }, 'FHIR Bundle pushed');
    } catch (err) {
      const f = classify(err);
      const now = this.now();
      this.lastFailure.set(item.tenant, { message: f.message, at: this.iso(now) });
      if (!f.retryable) {
        await this.o.outbox.fail(item.id, f.message, this.iso(now));
        this.o.log.error({ studyUid: item.studyUid, error: f.message }, 'FHIR Bundle refused by the upstream; kept as failed');
      } else {
        const delay = backoffMs(item.attempts + 1, this.o.backoff.baseMs, this.o.backoff.maxMs);
        await this.o.outbox.fail(item.id, f.message, this.iso(now), this.iso(now + delay));
        if (f.unavailable) this.pausedUntil = now + delay;
        this.o.log.warn({ studyUid: item.studyUid, error: f.message, attempts: item.attempts + 1, retryInMs: delay }, 'FHIR push failed; will retry');
      }
    } finally {
      this.sending = false;
    }
    return true;
  }

  private async untilNextDue(): Promise<number> {
    const next = (await this.o.outbox.outboxStatus()).nextAttemptAt;
    const due = next ? Date.parse(next) - this.now() : this.o.pollMs;
    return Math.max(10, Math.min(due, this.o.pollMs));
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.cancelSleep?.();
        this.cancelSleep = undefined;
        this.wakeUp = undefined;
        resolve();
      };
      this.cancelSleep = this.clock.setTimer(done, ms);
      // stop() must always end a sleep; enqueue only an idle one.
      this.wakeUp = wakeable ? done : () => (this.running ? undefined : done());
    });
  }
}
