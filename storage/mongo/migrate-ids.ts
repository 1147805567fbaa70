import type { Collection, Db, Document } from 'mongodb';
import type { Collections } from './collections.js';
import { readParents, writeParents, type InstanceDoc } from './documents.js';
import { putTerms } from './instance-terms.js';
import { isDuplicateKey } from './mongo-errors.js';
import { recordId } from './record-ids.js';

/**
 * Index schema 2: studies, series and instances keyed by recordId(tenant, UID)
 * (record-ids.ts); 3: instance search terms in instance_terms (documents.ts);
 * 4: series list their instances (`sops`).
 */
const SCHEMA = { _id: 'index-schema', version: 4 };
/** Which UID names a document of each collection. */
const UID_FIELD = { studies: 'studyUid', series: 'seriesUid', instances: 'sopUid' } as const;
type Level = keyof typeof UID_FIELD;
const BATCH = 200;

interface MoveDoc {
  _id: string;
  collection: Level;
  doc: Document;
}

/**
 * Converts an index written before deterministic `_id`s (schema 1: ObjectIds)
 * once, on connect; afterwards one lookup of the `index_meta` document. A
 * document's `_id` cannot change, so each is copied under its new `_id`. The
 * unique {tenant, uid} indexes forbid old and new side by side, so the copy is
 * first journaled in `index_migration`, then the old document deleted, then
 * the new one inserted, then the journal entry dropped: a crash at any point
 * leaves a journal entry that the next start finishes, and a document is
 * never lost. Then (schema 3) each instance's `t` is written to its
 * instance_terms document and unset, in that order (a re-run repeats both),
 * and (schema 4) each series without `sops` gets the UIDs of its instances.
 * Meant to run with one server process (as an upgrade is); a second one
 * running it concurrently repeats idempotent steps.
 */
export async function migrateIds(db: Db, c: Collections): Promise<void> {
  const meta = db.collection<{ _id: string; version: number }>('index_meta');
  if (((await meta.findOne({ _id: SCHEMA._id }))?.version ?? 0) >= SCHEMA.version) return;
  const journal = db.collection<MoveDoc>('index_migration');
  for (const entry of await journal.find({}).toArray()) await finishMove(c, journal, entry);
  for (const collection of Object.keys(UID_FIELD) as Level[]) {
    const col = c[collection] as unknown as Collection<Document>;
    for (;;) {
      const batch = await col.find({ _id: { $type: 'objectId' } }).limit(BATCH).toArray();
      if (batch.length === 0) break;
      for (const old of batch) {
        const entry: MoveDoc = { _id: `${collection}:${recordId(old.tenant, old[UID_FIELD[collection]])}`, collection, doc: { ...old, _id: recordId(old.tenant, old[UID_FIELD[collection]]) } };
        await journal.replaceOne({ _id: entry._id }, entry, { upsert: true });
        await finishMove(c, journal, entry);
      }
    }
  }
  await moveInstanceTerms(c);
  await listSeriesMembers(c);
  await meta.updateOne({ _id: SCHEMA._id }, { $set: { version: SCHEMA.version } }, { upsert: true });
}

async function moveInstanceTerms(c: Collections): Promise<void> {
  for (;;) {
    const batch: InstanceDoc[] = await c.instances.find({ t: { $exists: true } }).limit(BATCH).toArray();
    if (batch.length === 0) break;
    for (const d of batch) {
      const t = d.t ?? [];
      await putTerms(c, { _id: d._id, tenant: d.tenant, studyUid: d.studyUid, seriesUid: d.seriesUid, sortKey: d.sortKey, seq: d.seq, t });
      await c.instances.updateOne({ _id: d._id }, { $set: { parents: writeParents({ ...readParents(d), instanceTerms: t }) }, $unset: { t: '' } });
    }
  }
}

/** Idempotent: drops any other document of the same record, inserts the new one unless there, drops the entry. */
async function finishMove(c: Collections, journal: Collection<MoveDoc>, entry: MoveDoc): Promise<void> {
  const col = c[entry.collection] as unknown as Collection<Document>;
  const uid = UID_FIELD[entry.collection];
  await col.deleteMany({ tenant: entry.doc.tenant, [uid]: entry.doc[uid], _id: { $ne: entry.doc._id } });
  try {
    await col.insertOne(entry.doc);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  await journal.deleteOne({ _id: entry._id });
}

/** One pass over the instances (UIDs only), then `sops` set on each series that has none. Idempotent. */
async function listSeriesMembers(c: Collections): Promise<void> {
  if (!(await c.series.findOne({ sops: { $exists: false } }, { projection: { _id: 1 } }))) return;
  const members = new Map<string, string[]>();
  for await (const d of c.instances.find({}, { projection: { tenant: 1, seriesUid: 1, sopUid: 1 } })) {
    const key = recordId(d.tenant, d.seriesUid);
    const list = members.get(key) ?? [];
    if (list.length === 0) members.set(key, list);
    list.push(d.sopUid);
  }
  for (;;) {
    const batch = await c.series.find({ sops: { $exists: false } }, { projection: { _id: 1 } }).limit(BATCH).toArray();
    if (batch.length === 0) break;
    for (const d of batch) await c.series.updateOne({ _id: d._id }, { $set: { sops: members.get(d._id) ?? [] } });
  }
}
