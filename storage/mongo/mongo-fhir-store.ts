import { randomUUID } from 'node:crypto';
import { MongoClient, type Collection, type Db, type Filter, type IndexDescription } from 'mongodb';
import { resourceKey, studyKey, toStored, writeContent } from '../fhir-content.js';
import type {
  DirtyStudy, FhirStore, OutboxItem, OutboxStatus, ReplaceSummary, ResourcePage, ResourceQuery, ResourceRef, ResourceWrite, StoredResource,
} from '../fhir-store.js';
import { conditionFilter, encodeIndex, type OutboxDoc, type OwnerDoc, type ResourceDoc, type StudySyncDoc } from './fhir-documents.js';
import { KeyedLock } from './keyed-lock.js';
import { isDuplicateKey, mapMongoError, retryTransient } from './mongo-errors.js';
import { MongoFhirOutbox } from './mongo-fhir-outbox.js';

interface FhirCollections {
  resources: Collection<ResourceDoc>;
  owners: Collection<OwnerDoc>;
  studies: Collection<StudySyncDoc>;
  outbox: Collection<OutboxDoc>;
}

const INDEXES: Record<keyof FhirCollections, IndexDescription[]> = {
  resources: [
    { key: { tenant: 1, type: 1, t: 1 }, name: 'fhir_terms' },
    { key: { tenant: 1, type: 1, lastUpdated: -1, id: 1 }, name: 'fhir_updated' },
  ],
  owners: [
    { key: { tenant: 1, owner: 1 }, name: 'fhir_owner' },
    { key: { tenant: 1, type: 1, id: 1 }, name: 'fhir_owned' },
  ],
  studies: [{ key: { token: 1, markedAt: 1 }, name: 'fhir_dirty' }],
  outbox: [
    { key: { state: 1, nextAttemptAt: 1 }, name: 'fhir_outbox_due' },
    { key: { tenant: 1, studyUid: 1, state: 1 }, name: 'fhir_outbox_study' },
  ],
};

const docToStored = (d: ResourceDoc): StoredResource => toStored(d.tenant, d.type, d.id, d.version, d.lastUpdated, d.json);
const ownerId = (tenant: string, owner: string, type: string, id: string): string => JSON.stringify([tenant, owner, type, id]);

/**
 * The FHIR store on MongoDB (tested on FerretDB 1.24, which has no
 * multi-document transactions and loses concurrent updates of one document;
 * see keyed-lock.ts). So: every document is written whole under a per-key
 * in-process lock, owners are separate documents (insert/delete only), and
 * replaceOwned is a sequence of idempotent steps that a re-run completes.
 * Collections: fhir_resources, fhir_owners, fhir_study_sync, fhir_outbox.
 */
export class MongoFhirStore implements FhirStore {
  private readonly lock = new KeyedLock();
  private readonly outbox: MongoFhirOutbox;

  private constructor(
    private readonly client: MongoClient,
    private readonly c: FhirCollections,
    private readonly now: () => Date,
  ) {
    this.outbox = new MongoFhirOutbox(c.outbox);
  }

  static async connect(url: string, database: string, options: { serverSelectionTimeoutMS?: number; now?: () => Date } = {}): Promise<MongoFhirStore> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000 });
    try {
      await client.connect();
      const c = fhirCollections(client.db(database));
      // One index per command: FerretDB 1.24 fails on several existing ones at once (see collections.ts).
      for (const name of Object.keys(INDEXES) as Array<keyof FhirCollections>) {
        for (const index of INDEXES[name]) await c[name].createIndexes([index]);
      }
      return new MongoFhirStore(client, c, options.now ?? (() => new Date()));
    } catch (err) {
      await client.close().catch(() => {});
      throw mapMongoError(err);
    }
  }

  put(tenant: string, w: ResourceWrite): Promise<StoredResource> {
    return this.run(async () => {
      await this.write(tenant, w);
      return (await this.read(tenant, w.type, w.id))!;
    });
  }

  read(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return this.run(async () => {
      const doc = await this.c.resources.findOne({ _id: resourceKey(tenant, type, id) });
      return doc ? docToStored(doc) : undefined;
    });
  }

  readMany(tenant: string, refs: ResourceRef[]): Promise<StoredResource[]> {
    return this.run(async () => {
      if (refs.length === 0) return [];
      const ids = [...new Set(refs.map((r) => resourceKey(tenant, r.type, r.id)))];
      return (await this.c.resources.find({ _id: { $in: ids } }).toArray()).map(docToStored);
    });
  }

  delete(tenant: string, type: string, id: string): Promise<boolean> {
    return this.run(async () => {
      await this.c.owners.deleteMany({ tenant, type, id });
      return this.lock.run(resourceKey(tenant, type, id), async () => (await this.c.resources.deleteOne({ _id: resourceKey(tenant, type, id) })).deletedCount > 0);
    });
  }

  replaceOwned(tenant: string, owner: string, writes: ResourceWrite[]): Promise<ReplaceSummary> {
    return this.run(async () => {
      const summary: ReplaceSummary = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
      const keep = new Set<string>();
      for (const w of writes) {
        // Owner first: a concurrent replaceOwned of another owner then never deletes what we are writing.
        await this.addOwner(ownerId(tenant, owner, w.type, w.id), { tenant, owner, type: w.type, id: w.id });
        summary[await this.write(tenant, w)]++;
        keep.add(resourceKey(tenant, w.type, w.id));
      }
      for (const o of await this.c.owners.find({ tenant, owner }).toArray()) {
        if (keep.has(resourceKey(tenant, o.type, o.id))) continue;
        await this.c.owners.deleteOne({ _id: o._id });
        // Under the resource's lock: a concurrent write of the same resource by another owner adds its owner first.
        const gone = await this.lock.run(resourceKey(tenant, o.type, o.id), async () => {
          if (await this.c.owners.findOne({ tenant, type: o.type, id: o.id }, { projection: { _id: 1 } })) return false;
          return (await this.c.resources.deleteOne({ _id: resourceKey(tenant, o.type, o.id) })).deletedCount > 0;
        });
        if (gone) summary.deleted++;
      }
      return summary;
    });
  }

  search(q: ResourceQuery): Promise<ResourcePage> {
    return this.run(async () => {
      const parts = q.conditions.map(conditionFilter);
      const filter: Filter<ResourceDoc> = { tenant: q.tenant, type: q.type, ...(parts.length ? { $and: parts } : {}) };
      const total = await this.c.resources.countDocuments(filter);
      if (q.count <= 0) return { resources: [], total };
      const dir = q.sort.descending ? -1 : 1;
      const sort = q.sort.by === 'id' ? { id: dir } : { lastUpdated: dir, id: 1 };
      const docs = await this.c.resources.find(filter).sort(sort as never).skip(q.offset).limit(q.count).toArray();
      return { resources: docs.map(docToStored), total };
    });
  }

  // ---- dirty studies (one document per study, written under its lock) ---------------------

  markDirty(tenant: string, studyUid: string): Promise<DirtyStudy> {
    return this.study(tenant, studyUid, async (_id) => {
      const mark = { tenant, studyUid, token: randomUUID(), markedAt: this.now().toISOString() };
      await this.c.studies.updateOne({ _id }, { $set: mark }, { upsert: true });
      return mark;
    });
  }

  listDirty(limit: number): Promise<DirtyStudy[]> {
    return this.run(async () => {
      const docs = await this.c.studies.find({ token: { $ne: null } }, { projection: { enqueuedBundle: 0 } }).sort({ markedAt: 1 }).limit(limit).toArray();
      return docs.filter((d) => d.token).map((d) => ({ tenant: d.tenant, studyUid: d.studyUid, token: d.token!, markedAt: d.markedAt ?? '' }));
    });
  }

  clearDirty(d: DirtyStudy): Promise<boolean> {
    return this.study(d.tenant, d.studyUid, async (_id) => (await this.c.studies.updateOne({ _id, token: d.token }, { $set: { token: null } })).modifiedCount > 0);
  }

  enqueuedHash(tenant: string, studyUid: string): Promise<string | undefined> {
    return this.run(async () => (await this.c.studies.findOne({ _id: studyKey(tenant, studyUid) }, { projection: { enqueuedHash: 1 } }))?.enqueuedHash ?? undefined);
  }

  setEnqueuedHash(tenant: string, studyUid: string, hash: string, bundle?: string): Promise<void> {
    return this.study(tenant, studyUid, async (_id) => {
      await this.c.studies.updateOne({ _id }, { $set: { tenant, studyUid, enqueuedHash: hash, enqueuedBundle: bundle ?? null }, $setOnInsert: { token: null } }, { upsert: true });
    });
  }

  listSyncedStudies(tenant?: string): Promise<Array<{ tenant: string; studyUid: string }>> {
    return this.run(async () => {
      const docs = await this.c.studies.find(tenant === undefined ? {} : { tenant }, { projection: { tenant: 1, studyUid: 1 } }).sort({ tenant: 1, studyUid: 1 }).toArray();
      return docs.map((d) => ({ tenant: d.tenant, studyUid: d.studyUid }));
    });
  }

  enqueuedBundle(tenant: string, studyUid: string): Promise<string | undefined> {
    return this.run(async () => (await this.c.studies.findOne({ _id: studyKey(tenant, studyUid) }, { projection: { enqueuedBundle: 1 } }))?.enqueuedBundle ?? undefined);
  }

  // ---- outbox ---------------------------------------------------------------------------------

  enqueue(item: { tenant: string; studyUid: string; payload: string }, now: string): Promise<string> {
    return this.run(() => this.outbox.enqueue(item, now));
  }
  leaseNext(now: string, leaseMs: number): Promise<OutboxItem | undefined> {
    return this.run(() => this.outbox.leaseNext(now, leaseMs));
  }
  ack(id: string): Promise<void> {
    return this.run(() => this.outbox.ack(id));
  }
  fail(id: string, error: string, now: string, retryAt?: string): Promise<void> {
    return this.run(() => this.outbox.fail(id, error, now, retryAt));
  }
  releaseLeases(): Promise<void> {
    return this.run(() => this.outbox.releaseLeases());
  }
  requeueFailed(now: string, tenant?: string): Promise<number> {
    return this.run(() => this.outbox.requeueFailed(now, tenant));
  }
  outboxStatus(tenant?: string): Promise<OutboxStatus> {
    return this.run(() => this.outbox.outboxStatus(tenant));
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.c.resources.db.command({ ping: 1 });
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /**
   * An owner document is a function of its `_id`, so one that exists needs no
   * write: a read by `_id` first (on FerretDB reads do not queue for the
   * database's single write lock, writes do), an insert only when missing;
   * a concurrent insert of the same owner is the same document.
   */
  private async addOwner(_id: string, doc: Omit<OwnerDoc, '_id'>): Promise<void> {
    if (await this.c.owners.findOne({ _id }, { projection: { _id: 1 } })) return;
    try {
      await retryTransient(() => this.c.owners.insertOne({ _id, ...doc }));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Writes one resource document whole, under its lock; a no-op write keeps its version. */
  private write(tenant: string, w: ResourceWrite): Promise<'created' | 'updated' | 'unchanged'> {
    const _id = resourceKey(tenant, w.type, w.id);
    return this.lock.run(_id, async () => {
      const content = writeContent(w);
      const existing = await this.c.resources.findOne({ _id }, { projection: { version: 1, hash: 1, indexHash: 1, lastUpdated: 1 } });
      if (existing && existing.hash === content.hash && existing.indexHash === content.indexHash) return 'unchanged';
      const changed = !existing || existing.hash !== content.hash;
      const doc: ResourceDoc = {
        _id, tenant, type: w.type, id: w.id,
        version: changed ? (existing?.version ?? 0) + 1 : existing!.version,
        lastUpdated: changed ? this.now().toISOString() : existing!.lastUpdated,
        hash: content.hash, indexHash: content.indexHash, json: content.json, ...encodeIndex(w.index),
      };
      await this.c.resources.replaceOne({ _id }, doc, { upsert: true });
      return !existing ? 'created' : changed ? 'updated' : 'unchanged';
    });
  }

  private study<T>(tenant: string, studyUid: string, op: (id: string) => Promise<T>): Promise<T> {
    const _id = studyKey(tenant, studyUid);
    return this.run(() => this.lock.run(`study:${_id}`, () => op(_id)));
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw mapMongoError(err);
    }
  }
}

function fhirCollections(db: Db): FhirCollections {
  return {
    resources: db.collection<ResourceDoc>('fhir_resources'),
    owners: db.collection<OwnerDoc>('fhir_owners'),
    studies: db.collection<StudySyncDoc>('fhir_study_sync'),
    outbox: db.collection<OutboxDoc>('fhir_outbox'),
  };
}
