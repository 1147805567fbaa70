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
import { nextSeq, toInstanceDoc, type InstanceDoc } from '../../storage/mongo/documents.js';
import { MongoIndexStore } from '../../storage/mongo/mongo-index-store.js';
import { recordId } from '../../storage/mongo/record-ids.js';
import { describeIndexStoreContract } from './index-store.contract.js';
import { freshTenant, insertAll, instance, matching, queryUids, type QueryArgs } from './index-fixtures.js';

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
    for (const r of [crashedSeries, crashedStudy]) await raw.db.collection<InstanceDoc>('instances').insertOne(toInstanceDoc(r, nextSeq()));

    assert.equal((await store.getStudy(t, '1'))?.numInstances, 1);
    assert.equal(await store.getStudy(t, '2'), undefined);
    assert.equal((await store.studyOfBlob(t, crashedStudy.blobKey)) !== undefined, true); // what recoverPending looks at
    assert.equal((await store.insertInstance(crashedStudy, 'reject')).kind, 'duplicate'); // a re-send does not repair

    await store.recount(t, '1');
    await store.recount(t, '2');
    const one = await store.getStudy(t, '1');
    assert.deepEqual([one?.numSeries, one?.numInstances, [...(one?.modalities ?? [])].sort()], [2, 2, ['CT', 'MR']]);
    assert.equal((await store.getSeries(t, '1', '1.2'))?.numInstances, 1);
    // Listings read the series' `sops`, which recount() rebuilt.
    assert.deepEqual((await store.findInstances({ tenant: t, studyUid: '1' })).map((r) => r.sopUid).sort(), ['1.1.1', '1.2.1']);
    assert.deepEqual((await store.findInstances({ tenant: t, studyUid: '2', seriesUid: '2.1' })).map((r) => r.sopUid), ['2.1.1']);
    const two = await store.getStudy(t, '2');
    assert.deepEqual(
      { attrs: two?.attrs, sortKey: two?.sortKey, numSeries: two?.numSeries, numInstances: two?.numInstances, modalities: two?.modalities },
      { attrs: crashedStudy.attrs, sortKey: crashedStudy.sortKeys.study, numSeries: 1, numInstances: 1, modalities: ['CT'] },
    );
    assert.deepEqual((await store.getSeries(t, '2', '2.1'))?.attrs, crashedStudy.attrs);
    // Search terms came back too.
    assert.deepEqual(await matching(store, { tenant: t, level: 'study', conditions: [{ key: 'PatientName', op: 'any', values: ['CRASH^ED'] }] }), ['2']);
    assert.deepEqual(await matching(store, { tenant: t, level: 'series', conditions: [{ key: 'Modality', op: 'any', values: ['MR'] }] }), ['1.2']);
    // The crashed inserts never wrote their instance terms documents: recount() did, from `parents`.
    assert.deepEqual(await matching(store, { tenant: t, level: 'instance', conditions: [{ key: 'Modality', op: 'any', values: ['MR'] }] }), ['1.2.1']);
    assert.deepEqual(await matching(store, { tenant: t, level: 'instance', conditions: [{ key: 'SOPInstanceUID', op: 'any', values: ['2.1.1'] }] }), ['2.1.1']);
    assert.deepEqual(await matching(store, { tenant: t, level: 'instance', conditions: [{ key: 'SOPInstanceUID', op: 'wildcard', pattern: '2.1.*' }] }), ['2.1.1']);
  });

  it('keys studies, series and instances by tenant and UID, so single records are read by _id alone', async () => {
    const t = freshTenant();
    await insertAll(store, [instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' })]);
    for (const [collection, uid] of [['studies', '1'], ['series', '1.1'], ['instances', '1.1.1']]) {
      const docs = await raw.db.collection(collection).find({ tenant: t }).toArray();
      assert.deepEqual(docs.map((d) => d._id), [recordId(t, uid)], collection);
    }
    const doc = await raw.db.collection('instances').findOne({ tenant: t });
    assert.equal(typeof doc?.parents, 'string');
    assert.equal(doc?.t, undefined); // instance terms are in instance_terms, under the same _id
    assert.ok((await raw.db.collection('instance_terms').findOne({ _id: recordId(t, '1.1.1') as never }))?.t.includes('SOPInstanceUID=1.1.1'));
    assert.deepEqual((await raw.db.collection('series').findOne({ _id: recordId(t, '1.1') as never }))?.sops, ['1.1.1']);
  });

  it('answers queries naming records by UID with _id lookups, exactly as the query path would (order, paging, scope, other conditions)', async () => {
    const t = freshTenant();
    await insertAll(store, [
      instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1', sortKeys: { study: '20240101000000', instance: '0000000000003' } }),
      instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.2', sortKeys: { study: '20240101000000', instance: '0000000000001' } }),
      instance({ tenant: t, study: '1', series: '1.2', sop: '1.2.1', modality: 'MR', sortKeys: { study: '20240101000000', series: '0000000000002', instance: '0000000000002' } }),
      instance({ tenant: t, study: '2', series: '2.1', sop: '2.1.1', sortKeys: { study: '20230101000000' } }),
    ]);
    const key = { study: 'StudyInstanceUID', series: 'SeriesInstanceUID', instance: 'SOPInstanceUID' } as const;
    const cases: QueryArgs[] = [
      { tenant: t, level: 'study', conditions: [{ key: key.study, op: 'any', values: ['2', '1', '9'] }] },
      { tenant: t, level: 'study', conditions: [{ key: key.study, op: 'any', values: ['2', '1'] }], limit: 1, offset: 1 },
      { tenant: t, level: 'study', studyUid: '1' },
      { tenant: t, level: 'series', studyUid: '1', conditions: [{ key: key.series, op: 'any', values: ['1.2', '1.1', '2.1'] }] },
      { tenant: t, level: 'series', studyUid: '2', conditions: [{ key: key.series, op: 'any', values: ['1.1'] }] },
      { tenant: t, level: 'series', conditions: [{ key: key.series, op: 'any', values: ['1.1', '1.2'] }, { key: 'Modality', op: 'any', values: ['MR', 'XA'] }] },
      { tenant: t, level: 'instance', conditions: [{ key: key.instance, op: 'any', values: ['2.1.1', '1.2.1', '1.1.2', '1.1.1'] }] },
      { tenant: t, level: 'instance', studyUid: '1', seriesUid: '1.1', conditions: [{ key: key.instance, op: 'any', values: ['1.1.1', '1.1.2', '1.2.1'] }], limit: 1, offset: 1 },
      { tenant: t, level: 'instance', conditions: [{ key: key.instance, op: 'any', values: ['1.1.1', '1.2.1'] }, { key: key.instance, op: 'any', values: ['1.2.1'] }] },
      { tenant: freshTenant(), level: 'instance', conditions: [{ key: key.instance, op: 'any', values: ['1.1.1'] }] },
    ];
    for (const c of cases) {
      // A wildcard on the same key that every record meets sends the same query down the query path.
      const scanned: QueryArgs = { ...c, conditions: [...(c.conditions ?? []), { key: key[c.level], op: 'wildcard', pattern: '*' }] };
      const page = (a: QueryArgs) => store.query({ conditions: [], limit: 1000, offset: 0, ...a }).then((p) => p.more);
      assert.deepEqual(await queryUids(store, c), await queryUids(store, scanned), JSON.stringify(c));
      assert.equal(await page(c), await page(scanned), JSON.stringify(c));
    }
    assert.deepEqual(await queryUids(store, cases[0]), ['1', '2']); // newest study first
    assert.deepEqual(await queryUids(store, cases[6]), ['1.1.2', '2.1.1', '1.2.1', '1.1.1']); // instance sort key, then insertion order
  });

  it('converts an index written with ObjectId _ids on connect, finishing a move a crash interrupted', async () => {
    const legacyName = database('legacy');
    const legacy = await openRaw(legacyName);
    try {
      const t = freshTenant();
      const a = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' });
      const b = instance({ tenant: t, study: '1', series: '1.2', sop: '1.2.1', modality: 'MR' });
      const first = await MongoIndexStore.connect(url!, legacyName);
      await insertAll(first, [a, b]);
      await first.close();
      // Back to the first shape: ObjectId _ids, instance terms in `t`, `parents` an object, no schema marker.
      for (const name of ['studies', 'series', 'instances']) {
        const col = legacy.db.collection(name);
        for (const { _id, ...rest } of await col.find({}).toArray()) {
          await col.deleteOne({ _id });
          if (name === 'instances') {
            const { instanceTerms, ...parents } = JSON.parse(rest.parents);
            Object.assign(rest, { parents, t: instanceTerms });
          }
          if (name === 'series') delete rest.sops;
          await col.insertOne(rest);
        }
      }
      await legacy.db.collection('instance_terms').deleteMany({});
      await legacy.db.collection('index_meta').deleteMany({});
      // A crash after journaling b's move and deleting its old document, before inserting the new one.
      const oldB = await legacy.db.collection('instances').findOne({ sopUid: '1.2.1' });
      const newId = recordId(t, '1.2.1');
      await legacy.db.collection<{ _id: string; collection: string; doc: unknown }>('index_migration').insertOne({ _id: `instances:${newId}`, collection: 'instances', doc: { ...oldB, _id: newId } });
      await legacy.db.collection('instances').deleteOne({ _id: oldB!._id });

      const store2 = await MongoIndexStore.connect(url!, legacyName);
      try {
        for (const name of ['studies', 'series', 'instances']) {
          const ids = (await legacy.db.collection(name).find({}).toArray()).map((d) => d._id);
          assert.ok(ids.length > 0 && ids.every((id) => typeof id === 'string'), `${name}: ${ids}`);
        }
        assert.equal(await legacy.db.collection('index_migration').countDocuments({}), 0);
        const study = await store2.getStudy(t, '1');
        assert.deepEqual([study?.numSeries, study?.numInstances, [...(study?.modalities ?? [])].sort()], [2, 2, ['CT', 'MR']]);
        assert.equal((await store2.getSeries(t, '1', '1.2'))?.numInstances, 1);
        assert.deepEqual((await store2.findInstances({ tenant: t, studyUid: '1', sopUid: '1.2.1' })).map((r) => r.blobKey), [b.blobKey]);
        assert.deepEqual(await matching(store2, { tenant: t, level: 'instance', conditions: [{ key: 'SOPInstanceUID', op: 'any', values: ['1.1.1'] }] }), ['1.1.1']);
        assert.deepEqual(await matching(store2, { tenant: t, level: 'instance', conditions: [{ key: 'Modality', op: 'any', values: ['CT', 'MR'] }] }), ['1.1.1', '1.2.1']);
        assert.equal(await legacy.db.collection('instances').countDocuments({ t: { $exists: true } }), 0);
        assert.deepEqual((await store2.findInstances({ tenant: t, studyUid: '1' })).map((r) => r.sopUid), ['1.1.1', '1.2.1']);
        assert.deepEqual((await legacy.db.collection('series').findOne({ _id: recordId(t, '1.2') as never }))?.sops, ['1.2.1']);
        // Earlier `parents` objects still serve a delete's rebuild.
        await store2.deleteInstances({ tenant: t, studyUid: '1', seriesUid: '1.2' });
        assert.deepEqual((await store2.getStudy(t, '1'))?.modalities, ['CT']);
        assert.equal((await store2.insertInstance(a, 'reject')).kind, 'duplicate');
      } finally {
        await store2.close();
      }
    } finally {
      await legacy.db.dropDatabase();
      await legacy.client.close();
    }
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
