/**
 * The IndexStore contract, written once and run against every adapter
 * (embedded.test.ts, mongo.test.ts). Each test works in its own fresh tenant,
 * so tests share one store without seeing each other's records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../storage/errors.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { InstanceRecord } from '../../storage/model.js';
import { freshTenant, insertAll, instance, matching } from './index-fixtures.js';
import { describeQueryContract } from './index-query.contract.js';
import { describeDeleteContract } from './index-delete.contract.js';

export interface IndexStoreHarness {
  store: IndexStore;
  /** Writes wrong counts and modalities into a study and its series, as a crash between writes could leave them. */
  damageCounts(tenant: string, studyUid: string): Promise<void>;
  /** Closes the store and removes what the run created. */
  dispose(): Promise<void>;
}

export function describeIndexStoreContract(name: string, open: () => Promise<IndexStoreHarness>): void {
  describe(`IndexStore contract: ${name}`, () => {
    let h: IndexStoreHarness;
    const store = () => h.store;
    before(async () => {
      h = await open();
    });
    after(async () => {
      await h?.dispose();
    });

    it('keeps pending entries: lists those started before a time, replaces on re-add, removes', async () => {
      const t = freshTenant();
      const key = (i: number) => `${t}/instances/p${i}.dcm`;
      for (const i of [1, 2, 3]) await store().addPending({ tenant: t, blobKey: key(i), startedAt: `2024-01-0${i}T00:00:00.000Z` });
      const mine = async (before: string) =>
        (await store().listPending(before)).filter((p) => p.tenant === t).sort((a, b) => a.blobKey.localeCompare(b.blobKey));
      assert.deepEqual(await mine('2024-01-03T00:00:00.000Z'), [
        { tenant: t, blobKey: key(1), startedAt: '2024-01-01T00:00:00.000Z' },
        { tenant: t, blobKey: key(2), startedAt: '2024-01-02T00:00:00.000Z' },
      ]);
      await store().addPending({ tenant: t, blobKey: key(1), startedAt: '2024-01-05T00:00:00.000Z' });
      assert.deepEqual((await mine('2024-01-04T00:00:00.000Z')).map((p) => p.blobKey), [key(2), key(3)]);
      await store().removePending(key(2));
      await store().removePending(`${t}/instances/never-added.dcm`);
      assert.deepEqual((await mine('2030-01-01T00:00:00.000Z')).map((p) => p.blobKey), [key(1), key(3)]);
    });

    it('insertInstance commits the instance, its series and study, and drops its pending entry', async () => {
      const t = freshTenant();
      const a = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1', sortKeys: { instance: '0000000000002' } });
      const b = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.2', sortKeys: { instance: '0000000000001' } });
      const c = instance({ tenant: t, study: '1', series: '1.2', sop: '1.2.1', modality: 'MR', sortKeys: { series: '0000000000002', instance: '0000000000003' } });
      await store().addPending({ tenant: t, blobKey: a.blobKey, startedAt: '2024-01-01T00:00:00.000Z' });
      assert.deepEqual(await store().insertInstance(a, 'reject'), { kind: 'inserted' });
      assert.deepEqual((await store().listPending('2030-01-01T00:00:00.000Z')).filter((p) => p.tenant === t), []);
      await insertAll(store(), [b, c]);

      const study = await store().getStudy(t, '1');
      assert.ok(study);
      assert.deepEqual(
        { ...study, modalities: [...study.modalities].sort() },
        { tenant: t, studyUid: '1', attrs: a.attrs, terms: {}, sortKey: a.sortKeys.study, modalities: ['CT', 'MR'], numSeries: 2, numInstances: 3, updatedAt: study.updatedAt },
      );
      const series = await store().getSeries(t, '1', '1.1');
      assert.deepEqual(series, { tenant: t, studyUid: '1', seriesUid: '1.1', attrs: a.attrs, terms: {}, sortKey: a.sortKeys.series, numInstances: 2, updatedAt: series?.updatedAt });
      assert.equal((await store().getSeries(t, '1', '1.2'))?.numInstances, 1);
      assert.equal(await store().getSeries(t, '2', '1.1'), undefined);
      assert.equal(await store().getStudy(t, '2'), undefined);

      const all = await store().findInstances({ tenant: t, studyUid: '1' });
      assert.deepEqual(all.map((r) => r.sopUid), ['1.1.2', '1.1.1', '1.2.1']); // instance sort key, across series
      assert.deepEqual(all[1], asRead(a));
      assert.deepEqual((await store().findInstances({ tenant: t, studyUid: '1', seriesUid: '1.2' })).map((r) => r.sopUid), ['1.2.1']);
      assert.deepEqual((await store().findInstances({ tenant: t, studyUid: '1', seriesUid: '1.1', sopUid: '1.1.1' })).map(asRead), [asRead(a)]);
      assert.deepEqual(await store().findInstances({ tenant: t, studyUid: '2' }), []);
    });

    it('reports a re-sent instance with the same bytes as a duplicate and changes no count', async () => {
      const t = freshTenant();
      const a = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' });
      await insertAll(store(), [a]);
      for (const policy of ['reject', 'overwrite'] as const) {
        const again = { ...a, blobKey: `${t}/instances/again-${policy}.dcm` };
        assert.deepEqual(await store().insertInstance(again, policy), { kind: 'duplicate', existing: asRead(a) });
      }
      await assertCounts(t, '1', { numSeries: 1, numInstances: 1 }, { '1.1': 1 });
      assert.deepEqual((await store().findInstances({ tenant: t, studyUid: '1' })).map((r) => r.blobKey), [a.blobKey]);
    });

    it('applies the duplicate policy to different bytes: reject keeps, overwrite replaces in place', async () => {
      const t = freshTenant();
      const a = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' });
      await insertAll(store(), [a, instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.2' })]);
      const b = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1', sha: 'b'.repeat(64), sortKeys: { instance: '0000000000009' } });
      assert.deepEqual(await store().insertInstance(b, 'reject'), { kind: 'duplicate', existing: asRead(a) });
      assert.equal((await store().studyOfBlob(t, b.blobKey)) !== undefined, false);

      await store().addPending({ tenant: t, blobKey: b.blobKey, startedAt: '2024-01-01T00:00:00.000Z' });
      assert.deepEqual(await store().insertInstance(b, 'overwrite'), { kind: 'replaced', previous: asRead(a) });
      assert.deepEqual(await store().findInstances({ tenant: t, studyUid: '1', sopUid: '1.1.1' }), [asRead(b)]);
      assert.equal((await store().studyOfBlob(t, a.blobKey)) !== undefined, false);
      assert.equal((await store().studyOfBlob(t, b.blobKey)) !== undefined, true);
      assert.deepEqual((await store().listPending('2030-01-01T00:00:00.000Z')).filter((p) => p.tenant === t), []);
      await assertCounts(t, '1', { numSeries: 1, numInstances: 2 }, { '1.1': 2 });

      // Overwrite never moves an instance to another series: that stays a duplicate.
      const moved = instance({ tenant: t, study: '1', series: '1.2', sop: '1.1.1', sha: 'c'.repeat(64) });
      assert.deepEqual(await store().insertInstance(moved, 'overwrite'), { kind: 'duplicate', existing: asRead(b) });
      await assertCounts(t, '1', { numSeries: 1, numInstances: 2 }, { '1.1': 2 });
    });

    it('refuses a series that already belongs to another study (conflict), leaving both studies as they were', async () => {
      const t = freshTenant();
      await insertAll(store(), [instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' }), instance({ tenant: t, study: '2', series: '2.1', sop: '2.1.1' })]);
      const stray = instance({ tenant: t, study: '2', series: '1.1', sop: '2.9.9' });
      await assert.rejects(store().insertInstance(stray, 'reject'), (err: unknown) => err instanceof AppError && err.kind === 'conflict');
      await assertCounts(t, '1', { numSeries: 1, numInstances: 1 }, { '1.1': 1 });
      await assertCounts(t, '2', { numSeries: 1, numInstances: 1 }, { '2.1': 1 });
      assert.deepEqual(await store().findInstances({ tenant: t, studyUid: '2' }).then((r) => r.map((i) => i.sopUid)), ['2.1.1']);
      assert.equal((await store().studyOfBlob(t, stray.blobKey)) !== undefined, false);
    });

    it('keeps counts exact under 50 concurrent inserts into overlapping series (with re-sends among them)', async () => {
      const t = freshTenant();
      const records: InstanceRecord[] = [];
      for (let i = 0; i < 50; i++) {
        const s = i % 5;
        records.push(instance({ tenant: t, study: '1', series: `1.${s}`, sop: `1.${s}.${i}`, modality: s % 2 ? 'MR' : 'CT' }));
      }
      const resent = records.slice(0, 10).map((r) => ({ ...r, blobKey: `${r.blobKey}.again` }));
      const batch = shuffle([...records, ...resent]);
      const outcomes = await Promise.all(batch.map((r) => store().insertInstance(r, 'reject')));
      assert.equal(outcomes.filter((o) => o.kind === 'inserted').length, 50);
      assert.equal(outcomes.filter((o) => o.kind === 'duplicate').length, 10);
      await assertCounts(t, '1', { numSeries: 5, numInstances: 50 }, { '1.0': 10, '1.1': 10, '1.2': 10, '1.3': 10, '1.4': 10 });
      assert.deepEqual([...(await store().getStudy(t, '1'))!.modalities].sort(), ['CT', 'MR']);
      assert.equal((await store().findInstances({ tenant: t, studyUid: '1' })).length, 50);
      assert.equal((await store().query({ tenant: t, level: 'series', studyUid: '1', conditions: [], limit: 100, offset: 0 })).records.length, 5);
    });

    it('recount() recomputes counts and modalities from the instances', async () => {
      const t = freshTenant();
      await insertAll(store(), [
        instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' }),
        instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.2' }),
        instance({ tenant: t, study: '1', series: '1.2', sop: '1.2.1', modality: 'MR' }),
        instance({ tenant: t, study: '2', series: '2.1', sop: '2.1.1', modality: 'US' }),
      ]);
      await h.damageCounts(t, '1');
      await store().recount(t, '1');
      await assertCounts(t, '1', { numSeries: 2, numInstances: 3 }, { '1.1': 2, '1.2': 1 });
      assert.deepEqual([...(await store().getStudy(t, '1'))!.modalities].sort(), ['CT', 'MR']);
      await assertCounts(t, '2', { numSeries: 1, numInstances: 1 }, { '2.1': 1 });
      await store().recount(t, 'no-such-study');
      assert.equal(await store().getStudy(t, 'no-such-study'), undefined);
    });

    it('tells whether a blob key is referenced by a committed instance of the tenant', async () => {
      const t = freshTenant();
      const a = instance({ tenant: t, study: '1', series: '1.1', sop: '1.1.1' });
      await store().addPending({ tenant: t, blobKey: `${t}/instances/pending-only.dcm`, startedAt: '2024-01-01T00:00:00.000Z' });
      await insertAll(store(), [a]);
      assert.equal((await store().studyOfBlob(t, a.blobKey)) !== undefined, true);
      assert.equal((await store().studyOfBlob(t, `${t}/instances/pending-only.dcm`)) !== undefined, false);
      assert.equal((await store().studyOfBlob(freshTenant(), a.blobKey)) !== undefined, false);
    });

    it('never lets records of one tenant leak into another (same UIDs in both)', async () => {
      const [t1, t2] = [freshTenant(), freshTenant()];
      const one = instance({ tenant: t1, study: '1', series: '1.1', sop: '1.1.1', patientName: 'ONE^A', sha: '1'.repeat(64) });
      const two = instance({ tenant: t2, study: '1', series: '1.1', sop: '1.1.1', patientName: 'TWO^B', sha: '2'.repeat(64) });
      await insertAll(store(), [one, two]);
      for (const [t, mine, other] of [[t1, one, two], [t2, two, one]] as const) {
        assert.deepEqual((await store().findInstances({ tenant: t, studyUid: '1' })).map(asRead), [asRead(mine)]);
        assert.deepEqual((await store().getStudy(t, '1'))?.attrs, mine.attrs);
        assert.equal((await store().getStudy(t, '1'))?.numInstances, 1);
        assert.deepEqual((await store().getSeries(t, '1', '1.1'))?.attrs, mine.attrs);
        for (const level of ['study', 'series', 'instance'] as const) {
          const page = await store().query({ tenant: t, level, conditions: [], limit: 10, offset: 0 });
          assert.deepEqual(page.records.map((r) => r.tenant), [t]);
        }
        const byName = (n: InstanceRecord) => [{ key: 'PatientName', op: 'any' as const, values: n.terms.study.PatientName }];
        assert.deepEqual(await matching(store(), { tenant: t, level: 'study', conditions: byName(other) }), []);
        assert.deepEqual(await matching(store(), { tenant: t, level: 'study', conditions: byName(mine) }), ['1']);
        assert.equal((await store().studyOfBlob(t, other.blobKey)) !== undefined, false);
      }
    });

    describeQueryContract(store);
    describeDeleteContract(store);

    async function assertCounts(t: string, studyUid: string, study: { numSeries: number; numInstances: number }, series: Record<string, number>) {
      const s = await store().getStudy(t, studyUid);
      assert.deepEqual({ numSeries: s?.numSeries, numInstances: s?.numInstances }, study, `study ${studyUid} counts`);
      for (const [seriesUid, n] of Object.entries(series)) {
        assert.equal((await store().getSeries(t, studyUid, seriesUid))?.numInstances, n, `series ${seriesUid} count`);
      }
    }
  });
}

/** What a store gives back for an inserted record: search terms and parent sort keys are write-only. */
export function asRead(r: InstanceRecord): InstanceRecord {
  return { ...r, terms: { study: {}, series: {}, instance: {} }, sortKeys: { study: '', series: '', instance: r.sortKeys.instance } };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
