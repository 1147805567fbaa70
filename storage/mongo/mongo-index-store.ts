import { MongoClient, type Collection } from 'mongodb';
import type { IndexStore, InstanceScope, PendingBlob, PrefixedTerms } from '../index-store.js';
import type {
  DuplicatePolicy, InsertOutcome, InstanceRecord, LevelQuery, LevelRecord, QueryLevel, QueryPage, SeriesRecord, StudyRecord,
} from '../model.js';
import { collections, ensureIndexes, type Collections } from './collections.js';
import { RECORD_PROJECTION, docToInstance, docToSeries, docToStudy } from './documents.js';
import { ORDER, listInstanceDocs, queryByIds } from './find-by-id.js';
import { insertInstance } from './insert-instance.js';
import { instancesByIds } from './instance-terms.js';
import { KeyedLock } from './keyed-lock.js';
import { migrateIds } from './migrate-ids.js';
import { isDuplicateKey, mapMongoError, retryTransient } from './mongo-errors.js';
import { recordId } from './record-ids.js';
import { recount } from './recount.js';
import { deleteInstances } from './delete-instances.js';
import { replacePrefixedTerms } from './replace-terms.js';
import { termsFilter } from './terms.js';

const COLLECTION = { study: 'studies', series: 'series', instance: 'instances' } as const;
const CONVERT: Record<QueryLevel, (d: any) => LevelRecord> = { study: docToStudy, series: docToSeries, instance: docToInstance };

/** The per-study lock key: the study's `_id`. */
const studyKey = recordId;

export interface MongoIndexStoreOptions {
  /** How long an operation waits for a reachable server before failing as 'unavailable'. */
  serverSelectionTimeoutMS?: number;
  /** How long opening a connection may take. */
  connectTimeoutMS?: number;
  /** How long a socket may stay silent during an operation (0: no limit). */
  socketTimeoutMS?: number;
}

/**
 * The metadata index on MongoDB, or anything speaking its protocol well
 * enough: tested against FerretDB 1.24 (SQLite backend), which has no
 * multi-document transactions, so inserts are ordered single-document writes
 * (insert-instance.ts), writes to one study are serialised in this process
 * because FerretDB loses concurrent updates of a document (keyed-lock.ts),
 * and search terms use only operators both servers evaluate alike (terms.ts).
 * Collections: studies, series, instances, pending; every document carries
 * its tenant and every query filters on it. Single records are read and
 * written by `_id` alone (record-ids.ts), the one filter FerretDB 1.24 does
 * not answer with a decode of every document; listings of a series or study
 * are lookups by `_id` of the instances their series name (find-by-id.ts);
 * searches with conditions still decode the collection there (studies,
 * series, instance_terms) and use the indexes on MongoDB.
 */
export class MongoIndexStore implements IndexStore {
  private readonly studyLock = new KeyedLock();

  private constructor(
    private readonly client: MongoClient,
    private readonly c: Collections,
  ) {}

  static async connect(url: string, database: string, options: MongoIndexStoreOptions = {}): Promise<MongoIndexStore> {
    const client = new MongoClient(url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
      connectTimeoutMS: options.connectTimeoutMS,
      socketTimeoutMS: options.socketTimeoutMS,
    });
    try {
      await client.connect();
      const db = client.db(database);
      const c = collections(db);
      await ensureIndexes(c);
      await migrateIds(db, c);
      return new MongoIndexStore(client, c);
    } catch (err) {
      await client.close().catch(() => {});
      throw mapMongoError(err);
    }
  }

  /** Blob keys are new almost always: a plain insert (no read first), a replace when the key was there. */
  addPending(p: PendingBlob): Promise<void> {
    return this.run(async () => {
      try {
        await retryTransient(() => this.c.pending.insertOne({ _id: p.blobKey, tenant: p.tenant, startedAt: p.startedAt }));
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await retryTransient(() => this.c.pending.replaceOne({ _id: p.blobKey }, { tenant: p.tenant, startedAt: p.startedAt }, { upsert: true }));
      }
    });
  }

  removePending(blobKey: string): Promise<void> {
    return this.run(async () => {
      await retryTransient(() => this.c.pending.deleteOne({ _id: blobKey }));
    });
  }

  listPending(startedBefore: string): Promise<PendingBlob[]> {
    return this.run(async () => {
      const docs = await this.c.pending.find({ startedAt: { $lt: startedBefore } }).toArray();
      return docs.map((d) => ({ blobKey: d._id, tenant: d.tenant, startedAt: d.startedAt }));
    });
  }

  /** Writes to one study go one at a time (see keyed-lock.ts): they update the same study and series documents. */
  insertInstance(rec: InstanceRecord, policy: DuplicatePolicy): Promise<InsertOutcome> {
    return this.run(() => this.studyLock.run(studyKey(rec.tenant, rec.studyUid), () => insertInstance(this.c, rec, policy)));
  }

  studyOfBlob(tenant: string, blobKey: string): Promise<string | undefined> {
    return this.run(async () => (await this.c.instances.findOne({ tenant, blobKey }, { projection: { studyUid: 1 } }))?.studyUid);
  }

  async replacePrefixedTerms(tenant: string, prefix: string, updates: PrefixedTerms[]): Promise<string[]> {
    const byStudy = new Map<string, PrefixedTerms[]>();
    for (const u of updates) byStudy.set(u.studyUid, [...(byStudy.get(u.studyUid) ?? []), u]);
    const missing: string[] = [];
    for (const [studyUid, list] of byStudy) {
      missing.push(...await this.run(() => this.studyLock.run(studyKey(tenant, studyUid), () => replacePrefixedTerms(this.c, tenant, studyUid, prefix, list))));
    }
    return missing;
  }

  deleteInstances(scope: InstanceScope): Promise<InstanceRecord[]> {
    return this.run(() => this.studyLock.run(studyKey(scope.tenant, scope.studyUid), () => deleteInstances(this.c, scope)));
  }

  recount(tenant: string, studyUid: string): Promise<void> {
    return this.run(() => this.studyLock.run(studyKey(tenant, studyUid), () => recount(this.c, tenant, studyUid)));
  }

  findInstances(s: InstanceScope): Promise<InstanceRecord[]> {
    return this.run(async () => (await listInstanceDocs(this.c, s, RECORD_PROJECTION)).map(docToInstance));
  }

  getStudy(tenant: string, studyUid: string): Promise<StudyRecord | undefined> {
    return this.run(async () => {
      const doc = await this.c.studies.findOne({ _id: recordId(tenant, studyUid) }, { projection: RECORD_PROJECTION });
      return doc ? docToStudy(doc) : undefined;
    });
  }

  getSeries(tenant: string, studyUid: string, seriesUid: string): Promise<SeriesRecord | undefined> {
    return this.run(async () => {
      const doc = await this.c.series.findOne({ _id: recordId(tenant, seriesUid) }, { projection: RECORD_PROJECTION });
      return doc && doc.studyUid === studyUid ? docToSeries(doc) : undefined;
    });
  }

  query(q: LevelQuery): Promise<QueryPage<LevelRecord>> {
    return this.run(async () => {
      // Instances of a study or series without conditions: a listing (find-by-id.ts), not a query.
      const listing = q.level === 'instance' && q.studyUid && q.conditions.length === 0;
      const byIds = listing
        ? await listInstanceDocs(this.c, { tenant: q.tenant, studyUid: q.studyUid!, seriesUid: q.seriesUid }, RECORD_PROJECTION)
        : await queryByIds(this.c, q);
      if (byIds) {
        const records = byIds.slice(q.offset, q.offset + q.limit + 1).map(CONVERT[q.level]);
        return { records: records.slice(0, q.limit), more: records.length > q.limit };
      }
      const scope: Record<string, string> = { tenant: q.tenant };
      if (q.studyUid) scope.studyUid = q.studyUid;
      if (q.seriesUid && q.level === 'instance') scope.seriesUid = q.seriesUid;
      const filter = { ...scope, ...termsFilter(q.conditions) };
      // Instance terms live apart from the records (documents.ts InstanceTermsDoc): match there, then read the page's records.
      const viaTerms = q.level === 'instance' && q.conditions.length > 0;
      const col = (viaTerms ? this.c.terms : this.c[COLLECTION[q.level]]) as unknown as Collection;
      // One more than asked tells whether there is a next page.
      const page = col.find(filter, { projection: viaTerms ? { _id: 1 } : RECORD_PROJECTION }).sort(ORDER[q.level]).skip(q.offset).limit(q.limit + 1);
      let docs: unknown[] = await page.toArray();
      const more = docs.length > q.limit;
      docs = docs.slice(0, q.limit);
      if (viaTerms) docs = await instancesByIds(this.c, (docs as Array<{ _id: string }>).map((d) => d._id), RECORD_PROJECTION);
      return { records: docs.map(CONVERT[q.level]), more };
    });
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.c.studies.db.command({ ping: 1 });
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw mapMongoError(err);
    }
  }
}
