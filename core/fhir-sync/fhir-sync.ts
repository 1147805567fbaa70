/**
 * Runs study syncs after DICOM changes (spec section 1: after the storage
 * commit, never failing the STOW; jobs of one study serialized).
 *
 * - Durable: a change first marks the study dirty in the store; the mark is
 *   cleared only after a successful sync, and start() resumes every mark left
 *   by a previous run.
 * - Serialized and coalescing: a study runs on at most one worker; marks that
 *   arrive while it waits or runs collapse into one more run. `delayMs` lets a
 *   burst of STOWs of one study settle into a single sync.
 * - A failed sync (a store down, say) keeps its mark and is retried with
 *   exponential backoff.
 */
import type { StoreResult } from '../store/store-instance.js';
import type { DirtyStudies, DirtyStudy } from '../../storage/fhir-store.js';
import type { SyncOutcome } from './sync-study.js';

export interface FhirSyncOptions {
  marks: Pick<DirtyStudies, 'markDirty' | 'listDirty' | 'clearDirty'>;
  sync(tenant: string, studyUid: string): Promise<SyncOutcome>;
  concurrency: number;
  delayMs: number;
  /** Cap of the retry delay after failed syncs. */
  retryMaxMs: number;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** Called after a sync enqueued a Bundle (wakes the pusher). */
  onEnqueued?: () => void;
}

interface Entry {
  mark: DirtyStudy;
  notBefore: number;
  failures: number;
}

const keyOf = (tenant: string, studyUid: string) => JSON.stringify([tenant, studyUid]);

export class FhirSync {
  private readonly queue = new Map<string, Entry>();
  private readonly running = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private marking = 0;
  private timer?: NodeJS.Timeout;
  private waiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly o: FhirSyncOptions) {}

  /** Schedules every study a previous run left dirty; returns how many. */
  async start(): Promise<number> {
    const marks = await this.o.marks.listDirty(1_000_000);
    for (const m of marks) this.schedule(m, 0);
    return marks.length;
  }

  /** Marks the study dirty (durably), then schedules its sync. */
  async studyChanged(tenant: string, studyUid: string): Promise<void> {
    this.marking++;
    try {
      this.schedule(await this.o.marks.markDirty(tenant, studyUid), this.o.delayMs);
    } finally {
      this.marking--;
      this.settle();
    }
  }

  /** The DicomwebContext.onStored hook: every study that got an instance is synced. */
  onStored(tenant: string, results: StoreResult[]): void {
    const studies = new Set(results.flatMap((r) => (r.ok ? [r.studyUid] : [])));
    this.changedInBackground(tenant, [...studies]);
  }

  /** For DICOMweb deletes (not built yet): a study that lost instances is regenerated (spec 10.4). */
  onDeleted(tenant: string, studyUids: string[]): void {
    this.changedInBackground(tenant, studyUids);
  }

  /** Resolves once nothing is waiting, running or being marked. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private changedInBackground(tenant: string, studyUids: string[]): void {
    for (const studyUid of studyUids) {
      this.studyChanged(tenant, studyUid).catch((err) => {
        // The STOW already succeeded; without the mark this study syncs on its next change only.
        this.o.log.error({ err: { message: err?.message }, studyUid }, 'could not mark study for FHIR sync');
      });
    }
  }

  private schedule(mark: DirtyStudy, delayMs: number): void {
    if (this.stopped) return;
    const key = keyOf(mark.tenant, mark.studyUid);
    const previous = this.queue.get(key);
    // A newer mark replaces a waiting one (coalescing) but never brings its time forward.
    this.queue.set(key, { mark, notBefore: Math.max(previous?.notBefore ?? 0, Date.now() + delayMs), failures: previous?.failures ?? 0 });
    this.pump();
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const now = Date.now();
    const waiting = [...this.queue.entries()].filter(([key]) => !this.running.has(key)).sort((a, b) => a[1].notBefore - b[1].notBefore);
    for (const [key, entry] of waiting) {
      if (this.running.size >= this.o.concurrency) break;
      if (entry.notBefore > now) {
        this.timer = setTimeout(() => this.pump(), entry.notBefore - now);
        break;
      }
      this.queue.delete(key);
      this.running.add(key);
      const job = this.run(key, entry).finally(() => {
        this.inFlight.delete(job);
        this.running.delete(key);
        this.pump();
        this.settle();
      });
      this.inFlight.add(job);
    }
  }

  private async run(key: string, entry: Entry): Promise<void> {
    const { tenant, studyUid } = entry.mark;
    try {
      const out = await this.o.sync(tenant, studyUid);
      await this.o.marks.clearDirty(entry.mark);
      this.o.log.info({ studyUid, instances: out.instances, ...out.resources, enqueued: out.enqueued, warnings: out.warnings, errors: out.errors }, 'FHIR sync');
      if (out.enqueued) this.o.onEnqueued?.();
    } catch (err) {
      const failures = entry.failures + 1;
      const delay = Math.min(this.o.retryMaxMs, 500 * 2 ** failures);
      this.o.log.warn({ err: { message: (err as Error)?.message }, studyUid, failures, retryInMs: delay }, 'FHIR sync failed; will retry');
      // A newer mark queued meanwhile carries the retry; otherwise requeue this one.
      const newer = this.queue.get(key);
      if (newer) newer.failures = failures;
      else if (!this.stopped) this.queue.set(key, { ...entry, failures, notBefore: Date.now() + delay });
    }
  }

  private isIdle(): boolean {
    return this.queue.size === 0 && this.running.size === 0 && this.marking === 0;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
  }
}
