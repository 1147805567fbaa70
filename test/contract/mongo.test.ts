/**
 * The IndexStore contract on MongoDB (FerretDB under `npm test`), plus what
 * only this adapter has: the crash window of its non-transactional insert,
 * and connection errors. Needs MONGODB_URL (set by test/infra/with-services.ts);
 * without it these tests fail, they never skip.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, test } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
import { AppError } from '../../storage/errors.js';
import { nextSeq, toInstanceDoc } from '../../storage/mongo/documents.js';
import { MongoIndexStore } from '../../storage/mongo/mongo-index-store.js';
import { describeIndexStoreContract } from './index-store.contract.js';
import { freshTenant, insertAll, instance, matching } from './index-fixtures.js';

const url = process.env.MONGODB_URL;
const MISSING = 'MONGODB_URL is not set: run through `npm test` (test/infra/with-services.ts starts FerretDB) or point it at a MongoDB/FerretDB server';

/** A database of its own per run (and per use below), dropped at the end. */
const database = (use: string) => `contract_${use}_${Date.now()}_${randomBytes(3).toString('hex')}`;

async function openRaw(name: string): Promise<{ client: MongoClient; db: Db }> {
  if (!url) throw new Error(MISSING);
  const client = await MongoClient.connect(url);
  return { client, db: client.db(name) };
}

test('MONGODB_URL is set', () => {
  assert.ok(url, MISSING);
});

describeIndexStoreContract('mongodb', async () => {
  const name = database('index');
  const { client, db } = await openRaw(name);
  const store = await MongoIndexStore.connect(url!, name);
  return {
    store,
    async damageCounts(tenant, studyUid) {
      await db.collection('studies').updateOne({ tenant, studyUid }, { $set: { numSeries: 7, numInstances: 99, modalities: ['XX'] } });
      await db.collection('series').updateMany({ tenant, studyUid }, { $set: { numInstances: 42 } });
    },
    async dispose() {
      await store.close();
      await db.dropDatabase();
      await client.close();
    },
  };
});

describe('MongoIndexStore specifics', () => {
  const name = database('specific');
  let store: MongoIndexStore;
  let raw: { client: MongoClient; db: Db };
  before(async () => {
    raw = await openRaw(name);
    store = await MongoIndexStore.connect(url!, name);
  });
  after(async () => {
    await store?.close();
    await raw?.db.dropDatabase();
    await raw?.client.close();
  });

  it('creates the unique indexes that decide duplicates', async () => {
    const unique = async (collection: string) =>
      (await raw.db.collection(collection).listIndexes().toArray()).filter((i) => i.unique).map((i) => i.key);
    assert.deepEqual(await unique('studies'), [{ tenant: 1, studyUid: 1 }]);
    assert.deepEqual(await unique('series'), [{ tenant: 1, seriesUid: 1 }]);
    assert.deepEqual(await unique('instances'), [{ tenant: 1, sopUid: 1 }]);
    await MongoIndexStore.connect(url!, name).then((again) => again.close()); // idempotent on an existing database
  });

  it('recount() rebuilds a series and study that a crash after the instance write left missing', async () => {
    const t = freshTenant();
    const done = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' });
    await insertAll(store, [done]);
    // Crashed inserts: only step 1 (the instance document) happened, in a new series and in a new study.
    const crashedSeries = instance({ tenant: t, study: '1', series: '1.2', sop: '1.2.1', modality: 'MR' });
    const crashedStudy = instance({ tenant: t, study: '2', series: '2.1', sop: '2.1.1', patientName: 'CRASH^ED' });
    for (const r of [crashedSeries, crashedStudy]) await raw.db.collection('instances').insertOne(toInstanceDoc(r, nextSeq()));

    assert.equal((await store.getStudy(t, '1'))?.numInstances, 1);
    assert.equal(await store.getStudy(t, '2'), undefined);
    assert.equal((await store.studyOfBlob(t, crashedStudy.blobKey)) !== undefined, true); // what recoverPending looks at
    assert.equal((await store.insertInstance(crashedStudy, 'reject')).kind, 'duplicate'); // a re-send does not repair

    await store.recount(t, '1');
    await store.recount(t, '2');
    const one = await store.getStudy(t, '1');
    assert.deepEqual([one?.numSeries, one?.numInstances, [...(one?.modalities ?? [])].sort()], [2, 2, ['CT', 'MR']]);
    assert.equal((await store.getSeries(t, '1', '1.2'))?.numInstances, 1);
    const two = await store.getStudy(t, '2');
    assert.deepEqual(
      { attrs: two?.attrs, sortKey: two?.sortKey, numSeries: two?.numSeries, numInstances: two?.numInstances, modalities: two?.modalities },
      { attrs: crashedStudy.attrs, sortKey: crashedStudy.sortKeys.study, numSeries: 1, numInstances: 1, modalities: ['CT'] },
    );
    assert.deepEqual((await store.getSeries(t, '2', '2.1'))?.attrs, crashedStudy.attrs);
    // Search terms came back too.
    assert.deepEqual(await matching(store, { tenant: t, level: 'study', conditions: [{ key: 'PatientName', op: 'any', values: ['CRASH^ED'] }] }), ['2']);
    assert.deepEqual(await matching(store, { tenant: t, level: 'series', conditions: [{ key: 'Modality', op: 'any', values: ['MR'] }] }), ['1.2']);
  });

  it('maps an unreachable server to AppError unavailable', async () => {
    const dead = 'mongodb://127.0.0.1:9/?directConnection=true';
    await assert.rejects(
      MongoIndexStore.connect(dead, 'x', { serverSelectionTimeoutMS: 300 }),
      (err: unknown) => err instanceof AppError && err.kind === 'unavailable',
    );
  });

  it('maps a closed client to AppError unavailable', async () => {
    const closed = await MongoIndexStore.connect(url!, name);
    await closed.close();
    await assert.rejects(closed.ping(), (err: unknown) => err instanceof AppError && err.kind === 'unavailable');
  });
});
