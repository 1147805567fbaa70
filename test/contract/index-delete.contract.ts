/**
 * The delete part of the IndexStore contract (called from index-store.contract.ts):
 * instance, series and study scope; parents rebuilt from what remains.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexStore } from '../../storage/index-store.js';
import { freshTenant, insertAll, instance, matching } from './index-fixtures.js';

export function describeDeleteContract(store: () => IndexStore): void {
  describe('deleteInstances', () => {
    async function twoSeries(t: string) {
      const recs = [
        instance({ tenant: t, study: '9', series: '9.1', sop: '9.1.1', modality: 'CT', terms: { series: { BodyPartExamined: ['KNEE'] }, study: { BodyPartExamined: ['KNEE'] } } }),
        instance({ tenant: t, study: '9', series: '9.1', sop: '9.1.2', modality: 'CT' }),
        instance({ tenant: t, study: '9', series: '9.2', sop: '9.2.1', modality: 'MR' }),
      ];
      await insertAll(store(), recs);
      return recs;
    }

    it('removes one instance, returns it, and rebuilds counts and search terms', async () => {
      const t = freshTenant();
      const [knee] = await twoSeries(t);
      const removed = await store().deleteInstances({ tenant: t, studyUid: '9', seriesUid: '9.1', sopUid: '9.1.1' });
      assert.deepEqual(removed.map((r) => [r.sopUid, r.blobKey]), [['9.1.1', knee.blobKey]]);
      assert.equal((await store().getSeries(t, '9', '9.1'))?.numInstances, 1);
      const study = await store().getStudy(t, '9');
      assert.deepEqual({ n: study?.numInstances, s: study?.numSeries }, { n: 2, s: 2 });
      const cond = [{ key: 'BodyPartExamined', op: 'any' as const, values: ['KNEE'] }];
      assert.deepEqual(await matching(store(), { tenant: t, level: 'study', conditions: cond }), [], 'no term outlives its last instance');
      assert.deepEqual(await matching(store(), { tenant: t, level: 'series', conditions: cond }), []);
      assert.equal((await store().findInstances({ tenant: t, studyUid: '9' })).length, 2);
    });

    it('removes a series: the study keeps its other series and loses the modality', async () => {
      const t = freshTenant();
      await twoSeries(t);
      assert.equal((await store().deleteInstances({ tenant: t, studyUid: '9', seriesUid: '9.2' })).length, 1);
      assert.equal(await store().getSeries(t, '9', '9.2'), undefined);
      const study = await store().getStudy(t, '9');
      assert.deepEqual({ n: study?.numInstances, s: study?.numSeries, m: study?.modalities }, { n: 2, s: 1, m: ['CT'] });
      assert.deepEqual(await matching(store(), { tenant: t, level: 'study', conditions: [{ key: 'ModalitiesInStudy', op: 'any', values: ['MR'] }] }), []);
    });

    it('removes a whole study and nothing else; other tenants are untouched', async () => {
      const t = freshTenant();
      const other = freshTenant();
      await twoSeries(t);
      await twoSeries(other);
      assert.equal((await store().deleteInstances({ tenant: t, studyUid: '9' })).length, 3);
      assert.equal(await store().getStudy(t, '9'), undefined);
      assert.deepEqual(await matching(store(), { tenant: t, level: 'instance', conditions: [] }), []);
      assert.equal((await store().getStudy(other, '9'))?.numInstances, 3);
      assert.deepEqual(await store().deleteInstances({ tenant: t, studyUid: '9' }), [], 'deleting again finds nothing');
    });
  });
}
