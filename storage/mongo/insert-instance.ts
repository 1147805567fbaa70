import { AppError } from '../errors.js';
import type { DuplicatePolicy, InsertOutcome, InstanceRecord } from '../model.js';
import type { Collections } from './collections.js';
import { docToInstance, instanceContent, nextSeq, parentTerms, toInstanceDoc, toTermsDoc, writeParents, type SeriesDoc } from './documents.js';
import { putTerms } from './instance-terms.js';
import { isDuplicateKey, retryTransient } from './mongo-errors.js';
import { recordId } from './record-ids.js';
import { encodeTerms } from './terms.js';

/** Retries for writes that lost a race (a concurrent upsert or overwrite); each retry sees the winner's result. */
const MAX_RACES = 5;

/**
 * Inserts an instance without multi-document transactions (FerretDB 1.x has
 * none), in an order where every step is single-document atomic:
 *
 *   1. insert the instance: its `_id` (and the unique {tenant, sopUid} index)
 *      decides duplicates; then its terms document (instance_terms, same `_id`);
 *   2. insert the series, or update it: $inc numInstances, $addToSet terms
 *      and the SOP Instance UID (`sops`, what listings read);
 *   3. upsert the study: $inc numInstances, numSeries only when step 2 created
 *      the series, $addToSet modalities and terms;
 *   4. delete the pending entry.
 *
 * Every read and write names its document by `_id` alone (record-ids.ts: the
 * only filter FerretDB 1.24 does not answer with a scan of the collection).
 *
 * Each step is one atomic update on MongoDB, so counts stay exact under any
 * interleaving there, across processes too. FerretDB 1.24 loses concurrent
 * updates of one document, so the caller runs inserts into one study one at
 * a time (KeyedLock): exact for one server process; with several processes
 * writing one study on FerretDB, recount() repairs afterwards.
 *
 * Crash window: a crash inside 1 leaves an instance that instance-level
 * searches with conditions do not find until recount() writes its terms
 * document from `parents.instanceTerms`. A crash after 1 and before 3 leaves the instance committed
 * (studyOfBlob finds it) but its series/study missing or under-counted,
 * and a re-send is then reported as 'duplicate'. Step 4 comes last, so such
 * an instance still has its pending entry; recount() of its study repairs it
 * (it rebuilds missing series/study documents from the instances, see
 * recount.ts).
 */
export async function insertInstance(c: Collections, rec: InstanceRecord, policy: DuplicatePolicy): Promise<InsertOutcome> {
  for (let race = 0; race < MAX_RACES; race++) {
    const doc = toInstanceDoc(rec, nextSeq());
    try {
      await retryTransient(() => c.instances.insertOne(doc));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const outcome = await onExisting(c, rec, policy);
      if (outcome) return outcome;
      continue; // the existing instance changed under us: decide again
    }
    let newSeries: boolean;
    try {
      await putTerms(c, toTermsDoc(rec, doc.seq));
      newSeries = await addToSeries(c, rec);
    } catch (err) {
      // Undo step 1 so the instance is not left in a study its series does not belong to.
      // (After any other failure the write may have happened: leave it to recount().)
      if (err instanceof AppError && err.kind === 'conflict') {
        await c.instances.deleteOne({ _id: doc._id });
        await c.terms.deleteOne({ _id: doc._id });
      }
      throw err;
    }
    await upsertStudy(c, rec, newSeries);
    await retryTransient(() => c.pending.deleteOne({ _id: rec.blobKey }));
    return { kind: 'inserted' };
  }
  throw new AppError('conflict', `SOP Instance ${rec.sopUid} is being written concurrently`, 'concurrent-write');
}

/**
 * The duplicate policy, exactly as the embedded index applies it. An
 * overwrite is a compare-and-set on the previous blob key, so of two
 * concurrent overwrites the second reports the first as `previous` (whose
 * blob the caller then deletes) rather than both reporting the original
 * (on MongoDB; FerretDB's filter is not atomic with its write, there the
 * study lock orders them). Undefined means "lost a race, try again".
 */
async function onExisting(c: Collections, rec: InstanceRecord, policy: DuplicatePolicy): Promise<InsertOutcome | undefined> {
  const found = await c.instances.findOne({ _id: recordId(rec.tenant, rec.sopUid) });
  if (!found) return undefined;
  const existing = docToInstance(found);
  const sameSeries = existing.studyUid === rec.studyUid && existing.seriesUid === rec.seriesUid;
  if (policy !== 'overwrite' || !sameSeries || existing.sha256 === rec.sha256) return { kind: 'duplicate', existing };
  // Two conditions: a scan on FerretDB, but only for an overwrite with different bytes.
  const replaced = await c.instances.updateOne(
    { _id: found._id, blobKey: found.blobKey },
    { $set: { ...instanceContent(rec), parents: writeParents(parentTerms(rec)) } },
  );
  if (replaced.matchedCount === 0) return undefined;
  await putTerms(c, toTermsDoc(rec, found.seq));
  await c.pending.deleteOne({ _id: rec.blobKey });
  return { kind: 'replaced', previous: existing };
}

/**
 * True when this call created the series. Read first, then insert or update
 * by `_id`: a filter on {_id, studyUid} would be a scan on FerretDB, and an
 * upsert by `_id` alone could add to a series of another study before the
 * check. A series UID names one series per tenant, so a document of another
 * study is a conflict. Two inserts of one new series race on the unique
 * `_id`: the loser reads again and takes the update path.
 */
async function addToSeries(c: Collections, rec: InstanceRecord): Promise<boolean> {
  const _id = recordId(rec.tenant, rec.seriesUid);
  for (let race = 0; race < MAX_RACES; race++) {
    const existing = await c.series.findOne({ _id }, { projection: { studyUid: 1 } });
    if (existing && existing.studyUid !== rec.studyUid) {
      throw new AppError('conflict', `Series ${rec.seriesUid} already belongs to another study`, 'series-in-other-study');
    }
    if (existing) {
      const update = {
        $inc: { numInstances: 1 },
        $set: { updatedAt: rec.storedAt },
        $addToSet: { t: { $each: encodeTerms(rec.terms.series) }, sops: rec.sopUid },
      };
      if ((await retryTransient(() => c.series.updateOne({ _id }, update))).matchedCount === 1) return false;
      continue; // deleted in between: create it
    }
    try {
      await retryTransient(() => c.series.insertOne(newSeries(_id, rec)));
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new AppError('conflict', `Series ${rec.seriesUid} is being written concurrently`, 'concurrent-write');
}

function newSeries(_id: string, rec: InstanceRecord): SeriesDoc {
  return {
    _id, tenant: rec.tenant, studyUid: rec.studyUid, seriesUid: rec.seriesUid,
    attrs: JSON.stringify(rec.attrs), sortKey: rec.sortKeys.series, seq: nextSeq(),
    numInstances: 1, updatedAt: rec.storedAt, t: encodeTerms(rec.terms.series), sops: [rec.sopUid],
  };
}

async function upsertStudy(c: Collections, rec: InstanceRecord, newSeries: boolean): Promise<void> {
  const filter = { _id: recordId(rec.tenant, rec.studyUid) };
  const update = {
    $setOnInsert: { tenant: rec.tenant, studyUid: rec.studyUid, attrs: JSON.stringify(rec.attrs), sortKey: rec.sortKeys.study, seq: nextSeq() },
    $inc: { numInstances: 1, numSeries: newSeries ? 1 : 0 },
    $set: { updatedAt: rec.storedAt },
    $addToSet: { modalities: { $each: rec.terms.series.Modality ?? [] }, t: { $each: encodeTerms(rec.terms.study) } },
  };
  await upsert(async () => (await c.studies.updateOne(filter, update, { upsert: true })).upsertedCount === 1);
}

/**
 * Two upserts of the same new document race: both try to insert, and the
 * unique index fails one with E11000. MongoDB retries that server-side,
 * FerretDB does not, so retry here: the second attempt takes the update path.
 */
async function upsert(run: () => Promise<boolean>): Promise<boolean> {
  for (let race = 0; ; race++) {
    try {
      return await retryTransient(run);
    } catch (err) {
      if (!isDuplicateKey(err) || race >= MAX_RACES) throw err;
    }
  }
}
