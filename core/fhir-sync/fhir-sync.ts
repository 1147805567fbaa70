/**
 * Runs study syncs after DICOM changes (spec section 1: after the storage
 * commit, never failing the STOW; jobs of one study serialized).
 *
 * - Durable, write-ahead: before an instance of a study is committed to (or
 *   deleted from) the index, the study is marked dirty in the FHIR store
 *   (`beforeWrite`, called by the index decorator of marking-index.ts). So a
 *   crash at any point after the commit - before the STOW response, before
 *   the sync - leaves the mark, and start() resumes every mark left by a
 *   previous run: a stored instance always gets its FHIR.
 *   One mark serves a study until a sync that saw every committed write
 *   clears it: a sync clears its mark only if no write of its study was in
 *   flight when it started and none began while it ran. Such a write is
 *   followed by onStored/onDeleted (a new run) or fails (a run is scheduled
 *   too: a write that failed may still have reached the index).
 * - Serialized and coalescing: a study runs on at most one worker; changes
 *   that arrive while it waits or runs collapse into one more run. `delayMs`
 *   lets a burst of STOWs of one study settle into a single sync.
 * - A failed sync (a store down, say) keeps its mark and is retried with
 *   exponential backoff.
 * Assumes one server process per FHIR store (as the outbox pusher does).
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
  tenant: string;
  studyUid: string;
  notBefore: number;
  failures: number;
}

/** What this process knows of a study's durable mark and the index writes under way. */
interface Live {
  tenant: string;
  studyUid: string;
  /** The study's mark as written by this process and not cleared since. */
  mark?: DirtyStudy;
  marking?: Promise<DirtyStudy>;
  /** Index writes (inserts, deletes) of the study started and not finished. */
  inflight: number;
  /** Counts index writes started, ever. */
  epoch: number;
  /** Counts sync runs started, ever. */
  runs: number;
  /** Readers waiting for a successful run numbered above `after` (see caughtUp). */
  readers: Array<{ after: number; resolve: () => void }>;
}

const keyOf = (tenant: string, studyUid: string) => JSON.stringify([tenant, studyUid]);

export class FhirSync {
  private readonly queue = new Map<string, Entry>();
  private readonly running = new Set<string>();
  private readonly live = new Map<string, Live>();
  private readonly inFlight = new Set<Promise<void>>();
  private marking = 0;
  private timer?: NodeJS.Timeout;
  private waiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly o: FhirSyncOptions) {}

  /** Schedules every study a previous run left dirty; returns how many. */
  async start(): Promise<number> {
    const marks = await this.o.marks.listDirty(1_000_000);
    for (const m of marks) {
      this.state(m.tenant, m.studyUid).mark ??= m;
      this.schedule(m.tenant, m.studyUid, 0);
    }
    return marks.length;
  }

  /**
   * Called before an index write (insert or delete) of the study: resolves
   * once the study's dirty mark is durable; the returned function must be
   * called when the write is over (ok: false when it threw).
   */
  async beforeWrite(tenant: string, studyUid: string): Promise<(ok?: boolean) => void> {
    const s = this.state(tenant, studyUid);
    s.inflight++;
    s.epoch++;
    let released = false;
    const release = (ok = true) => {
      if (released) return;
      released = true;
      s.inflight--;
      // No onStored/onDeleted follows a failed write, and it may have reached the index all the same.
      if (!ok) this.schedule(tenant, studyUid, Math.max(this.o.delayMs, 1000));
    };
    try {
      await this.ensureMark(tenant, studyUid);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /** Marks the study dirty (durably, unless it already is), then schedules its sync. */
  async studyChanged(tenant: string, studyUid: string): Promise<void> {
    this.marking++;
    try {
      await this.ensureMark(tenant, studyUid);
      this.schedule(tenant, studyUid, this.o.delayMs);
    } finally {
      this.marking--;
      this.settle();
    }
  }

  /**
   * The DicomwebContext.onStored hook: every study that got an instance is
   * synced. Resolves once each is durably marked (already so when the index
   * went through marking-index.ts); rejects when a mark cannot be written.
   */
  async onStored(tenant: string, results: StoreResult[]): Promise<void> {
    const studies = new Set(results.flatMap((r) => (r.ok ? [r.studyUid] : [])));
    await this.changed(tenant, [...studies]);
  }

  /** After DICOMweb deletes: a study that lost instances is regenerated, an emptied one removed (spec 10.4). */
  async onDeleted(tenant: string, studyUids: string[]): Promise<void> {
    await this.changed(tenant, studyUids);
  }

  /** Re-maps studies (after a mapping change): marks them dirty and schedules their syncs. */
  async resync(tenant: string, studyUids: string[]): Promise<void> {
    await this.changed(tenant, studyUids);
  }

  /** Resolves once nothing is waiting, running or being marked. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Read-your-writes for FHIR readers: resolves once every study of the
   * tenant that was dirty when called (a committed index write not yet in
   * the FHIR store) has been synced by a run that started after the call,
   * so a reader never sees an instance the index holds without its FHIR,
   * nor FHIR of an instance the index no longer holds. Such syncs run now
   * instead of after `delayMs` (a failing one keeps its backoff). Resolves
   * false when `timeoutMs` passed first.
   */
  async caughtUp(tenant: string, timeoutMs: number): Promise<boolean> {
    const waits: Promise<void>[] = [];
    for (const [key, s] of this.live) {
      if (s.tenant !== tenant || !this.isDirty(key, s)) continue;
      waits.push(new Promise((resolve) => s.readers.push({ after: s.runs, resolve })));
      this.schedule(s.tenant, s.studyUid, 0, true);
    }
    if (waits.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.all(waits).then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private async changed(tenant: string, studyUids: string[]): Promise<void> {
    const results = await Promise.allSettled(studyUids.map((s) => this.studyChanged(tenant, s)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.o.log.error({ err: { message: failed.reason?.message } }, 'could not mark study for FHIR sync');
      throw failed.reason;
    }
  }

  private state(tenant: string, studyUid: string): Live {
    const key = keyOf(tenant, studyUid);
    let s = this.live.get(key);
    if (!s) this.live.set(key, (s = { tenant, studyUid, inflight: 0, epoch: 0, runs: 0, readers: [] }));
    return s;
  }

  /** The study's durable mark: the one this process holds, or a new one (one write at a time per study). */
  private ensureMark(tenant: string, studyUid: string): Promise<DirtyStudy> {
    const s = this.state(tenant, studyUid);
    if (s.mark) return Promise.resolve(s.mark);
    s.marking ??= this.o.marks.markDirty(tenant, studyUid)
      .then((m) => (s.mark = m))
      .finally(() => (s.marking = undefined));
    return s.marking;
  }

  /** A study whose FHIR may lag its index: marked, being marked, or with a sync waiting or running. */
  private isDirty(key: string, s: Live): boolean {
    return Boolean(s.mark || s.marking) || this.queue.has(key) || this.running.has(key);
  }

  /**
   * `urgent` (a reader waits) brings a waiting run forward, unless it is a
   * retry after failures; otherwise a newer change joins a waiting run
   * (coalescing) but never brings its time forward.
   */
  private schedule(tenant: string, studyUid: string, delayMs: number, urgent = false): void {
    if (this.stopped) return;
    const key = keyOf(tenant, studyUid);
    const previous = this.queue.get(key);
    const failures = previous?.failures ?? 0;
    let notBefore = Math.max(previous?.notBefore ?? 0, Date.now() + delayMs);
    if (urgent && previous) notBefore = failures === 0 ? Date.now() : previous.notBefore;
    this.queue.set(key, { tenant, studyUid, notBefore, failures });
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
        // Retries of a failing sync (its store gone, say) never keep a process alive on their own.
        if (entry.failures > 0) this.timer.unref();
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
    const { tenant, studyUid } = entry;
    const s = this.state(tenant, studyUid);
    // A write in flight now may commit after the sync read the study: then the mark must stay.
    const busyAtStart = s.inflight > 0;
    const epoch = s.epoch;
    const runNo = ++s.runs;
    try {
      const mark = await this.ensureMark(tenant, studyUid);
      const out = await this.o.sync(tenant, studyUid);
      this.releaseReaders(s, runNo);
      // Else the mark stays: the writes under way end in onStored/onDeleted or a failure, each scheduling a run.
      if (!busyAtStart && s.epoch === epoch && s.mark === mark) {
        s.mark = undefined; // a write from now on marks again (and so defeats this clear if it lands first)
        await this.o.marks.clearDirty(mark);
        if (!s.mark && !s.marking && s.inflight === 0 && s.readers.length === 0 && !this.queue.has(key)) this.live.delete(key);
      }
      this.o.log.info({ studyUid, instances: out.instances, ...out.resources, enqueued: out.enqueued, warnings: out.warnings, errors: out.errors }, 'FHIR sync');
      if (out.enqueued) this.o.onEnqueued?.();
    } catch (err) {
      const failures = entry.failures + 1;
      const delay = Math.min(this.o.retryMaxMs, 500 * 2 ** failures);
      this.o.log.warn({ err: { message: (err as Error)?.message }, studyUid, failures, retryInMs: delay }, 'FHIR sync failed; will retry');
      // A newer change queued meanwhile carries the retry; otherwise requeue this one.
      const newer = this.queue.get(key);
      if (newer) newer.failures = failures;
      else if (!this.stopped) {
        this.queue.set(key, { ...entry, failures, notBefore: Date.now() + delay });
        this.pump();
      }
    }
  }

  /** Readers waiting for a run that started after them are served by run `runNo`. */
  private releaseReaders(s: Live, runNo: number): void {
    const ready = s.readers.filter((r) => r.after < runNo);
    s.readers = s.readers.filter((r) => r.after >= runNo);
    for (const r of ready) r.resolve();
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
