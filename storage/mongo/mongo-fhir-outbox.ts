import type { Collection } from 'mongodb';
import type { FhirOutbox, OutboxItem, OutboxStatus } from '../fhir-store.js';
import { nextSeq } from './documents.js';
import type { OutboxDoc } from './fhir-documents.js';
import { KeyedLock } from './keyed-lock.js';

const toItem = (d: OutboxDoc): OutboxItem => ({
  id: String(d._id),
  tenant: d.tenant,
  studyUid: d.studyUid,
  payload: d.payload,
  enqueuedAt: d.enqueuedAt,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt,
  ...(d.lastError ? { lastError: d.lastError } : {}),
});

const scope = (tenant?: string) => (tenant === undefined ? {} : { tenant });
const free = (now: string) => ({ $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] });

/**
 * The outbox as one collection; `_id` is a time-based sequence (enqueue order
 * survives restarts). Without multi-document transactions (FerretDB 1.x),
 * every operation runs under one in-process lock, so lease and supersede
 * decisions see a queue nobody else changes meanwhile (this process is the
 * only pusher, see FhirOutbox.releaseLeases).
 */
export class MongoFhirOutbox implements FhirOutbox {
  private readonly lock = new KeyedLock();

  constructor(private readonly c: Collection<OutboxDoc>) {}

  private serial<T>(op: () => Promise<T>): Promise<T> {
    return this.lock.run('outbox', op);
  }

  enqueue(item: { tenant: string; studyUid: string; payload: string }, now: string): Promise<string> {
    return this.serial(async () => {
      // Older Bundles of the study not in flight are superseded: the new one carries the study's full state.
      await this.c.deleteMany({ tenant: item.tenant, studyUid: item.studyUid, state: 'pending', ...free(now) });
      const doc: OutboxDoc = {
        _id: nextSeq(), tenant: item.tenant, studyUid: item.studyUid, payload: item.payload, enqueuedAt: now, state: 'pending',
        attempts: 0, nextAttemptAt: now, leaseUntil: null, lastError: null, lastAttemptAt: null,
      };
      await this.c.insertOne(doc);
      return String(doc._id);
    });
  }

  leaseNext(now: string, leaseMs: number): Promise<OutboxItem | undefined> {
    return this.serial(async () => {
      const due = await this.c.find({ state: 'pending', nextAttemptAt: { $lte: now }, ...free(now) }).sort({ _id: 1 }).limit(100).toArray();
      for (const d of due) {
        const older = await this.c.findOne({ tenant: d.tenant, studyUid: d.studyUid, state: 'pending', _id: { $lt: d._id } }, { projection: { _id: 1 } });
        if (older) continue;
        await this.c.updateOne({ _id: d._id }, { $set: { leaseUntil: new Date(Date.parse(now) + leaseMs).toISOString() } });
        return toItem(d);
      }
      return undefined;
    });
  }

  ack(id: string): Promise<void> {
    return this.serial(async () => {
      await this.c.deleteOne({ _id: Number(id) });
    });
  }

  fail(id: string, error: string, now: string, retryAt?: string): Promise<void> {
    return this.serial(async () => {
      const doc = await this.c.findOne({ _id: Number(id) });
      if (!doc) return;
      await this.c.updateOne({ _id: doc._id }, {
        $set: {
          attempts: doc.attempts + 1, lastError: error, lastAttemptAt: now, leaseUntil: null,
          state: retryAt ? 'pending' : 'failed', nextAttemptAt: retryAt ?? doc.nextAttemptAt,
        },
      });
    });
  }

  releaseLeases(): Promise<void> {
    return this.serial(async () => {
      await this.c.updateMany({ leaseUntil: { $ne: null } }, { $set: { leaseUntil: null } });
    });
  }

  requeueFailed(now: string, tenant?: string): Promise<number> {
    return this.serial(async () => (await this.c.updateMany({ state: 'failed', ...scope(tenant) }, { $set: { state: 'pending', nextAttemptAt: now } })).modifiedCount);
  }

  async outboxStatus(tenant?: string): Promise<OutboxStatus> {
    const t = scope(tenant);
    const [queued, retrying, failed] = await Promise.all([
      this.c.countDocuments({ state: 'pending', ...t }),
      this.c.countDocuments({ state: 'pending', attempts: { $gt: 0 }, ...t }),
      this.c.countDocuments({ state: 'failed', ...t }),
    ]);
    const oldest = await this.c.find({ state: 'pending', ...t }).sort({ _id: 1 }).limit(1).toArray();
    const next = await this.c.find({ state: 'pending', ...t }).sort({ nextAttemptAt: 1 }).limit(1).toArray();
    const last = await this.c.find({ lastError: { $ne: null }, ...t }).sort({ lastAttemptAt: -1 }).limit(1).toArray();
    return {
      queued, retrying, failed,
      ...(oldest[0] ? { oldestQueuedAt: oldest[0].enqueuedAt } : {}),
      ...(next[0] ? { nextAttemptAt: next[0].nextAttemptAt } : {}),
      ...(last[0] ? { lastError: { message: last[0].lastError!, at: last[0].lastAttemptAt!, tenant: last[0].tenant, studyUid: last[0].studyUid } } : {}),
    };
  }
}
