/**
 * The query part of the IndexStore contract (called from
 * index-store.contract.ts): every Condition op at every level, paging, order.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { IndexStore } from '../../storage/index-store.js';
import type { Condition, QueryLevel } from '../../storage/model.js';
import { freshTenant, insertAll, instance, matching, queryUids, type InstanceSpec } from './index-fixtures.js';

export function describeQueryContract(store: () => IndexStore): void {
  describe('query', () => {
    const t = freshTenant();
    const find = (level: QueryLevel, conditions: Condition[], scope: { studyUid?: string; seriesUid?: string } = {}) =>
      matching(store(), { tenant: t, level, conditions, ...scope });

    before(async () => {
      // Three studies whose values hold regex metacharacters, non-ASCII letters and multi-valued dates.
      const base = (s: Omit<InstanceSpec, 'tenant'>, acc: string, seriesDate: string, contentDate: Record<string, string[]>) =>
        instance({
          tenant: t,
          ...s,
          terms: { study: { AccessionNumber: [acc] }, series: { SeriesDate: [seriesDate] }, instance: contentDate },
        });
      await insertAll(store(), [
        base({ study: '1', series: '1.1', sop: '1.1.1', patientName: 'DOE^JOHN', studyDate: '20200115' }, 'A.B(C)+[D]{2}|$^\\', '20200115', { ContentDate: ['20200115'] }),
        base({ study: '1', series: '1.1', sop: '1.1.2', patientName: 'DOE^JOHN', studyDate: '20200115' }, 'A.B(C)+[D]{2}|$^\\', '20200115', { ContentDate: ['20200116'] }),
        base({ study: '1', series: '1.2', sop: '1.2.1', patientName: 'DOE^JOHN', studyDate: '20200115', modality: 'MR' }, 'A.B(C)+[D]{2}|$^\\', '20200120', { ContentDate: ['20191231'] }),
        base({ study: '2', series: '2.1', sop: '2.1.1', patientName: 'DOE^JANE', studyDate: '20210610', modality: 'MR' }, 'AXB(C)+[D]{2}|$^\\', '20210610', { ContentDate: ['20250101'], ContentDateX: ['20200601'] }),
        base({ study: '3', series: '3.1', sop: '3.1.1', patientName: 'JOSÉ^MARÍA', studyDate: '20190301', modality: 'US' }, 'acc*?', '20190101', { ContentDate: ['20190101'] }),
        base({ study: '3', series: '3.1', sop: '3.1.2', patientName: 'JOSÉ^MARÍA', studyDate: '20190301', modality: 'US' }, 'acc*?', '20220101', { ContentDate: ['20220101'] }),
      ]);
    });

    it("'any' matches one of the values exactly, at each level and within the URL scope", async () => {
      assert.deepEqual(await find('study', [{ key: 'PatientName', op: 'any', values: ['DOE^JOHN', 'NOBODY'] }]), ['1']);
      assert.deepEqual(await find('study', [{ key: 'PatientName', op: 'any', values: ['DOE^JOHN', 'DOE^JANE'] }]), ['1', '2']);
      assert.deepEqual(await find('study', [{ key: 'PatientName', op: 'any', values: ['DOE'] }]), []);
      assert.deepEqual(await find('series', [{ key: 'Modality', op: 'any', values: ['MR'] }]), ['1.2', '2.1']);
      assert.deepEqual(await find('series', [{ key: 'Modality', op: 'any', values: ['MR'] }], { studyUid: '1' }), ['1.2']);
      assert.deepEqual(await find('instance', [{ key: 'SOPInstanceUID', op: 'any', values: ['1.1.2', '3.1.1'] }]), ['1.1.2', '3.1.1']);
      assert.deepEqual(await find('instance', [{ key: 'Modality', op: 'any', values: ['CT'] }], { studyUid: '1', seriesUid: '1.1' }), ['1.1.1', '1.1.2']);
      assert.deepEqual(await find('instance', [], { studyUid: '3', seriesUid: '3.1' }), ['3.1.1', '3.1.2']);
    });

    it("'wildcard' anchors the pattern, '*' is any run and '?' one character; everything else is literal", async () => {
      const name = (pattern: string) => find('study', [{ key: 'PatientName', op: 'wildcard', pattern }]);
      assert.deepEqual(await name('DOE^J*'), ['1', '2']);
      assert.deepEqual(await name('DOE^JO?N'), ['1']);
      assert.deepEqual(await name('DO?'), []);
      assert.deepEqual(await name('*JANE'), ['2']);
      assert.deepEqual(await name('OE*'), []);
      assert.deepEqual(await name('JOS?^MAR?A'), ['3']);
      assert.deepEqual(await name('doe*'), []);
      assert.deepEqual(await name('*'), ['1', '2', '3']);
      const acc = (pattern: string) => find('study', [{ key: 'AccessionNumber', op: 'wildcard', pattern }]);
      assert.deepEqual(await acc('A.B(C)+[D]{2}|$^\\*'), ['1']);
      assert.deepEqual(await acc('A?B(C)+[D]{2}|$^\\'), ['1', '2']);
      assert.deepEqual(await acc('A.B(C)+[D]{2}|$^'), []);
      assert.deepEqual(await acc('acc*'), ['3']);
      assert.deepEqual(await acc('acc??'), ['3']);
      assert.deepEqual(await acc('acc?'), []);
      assert.deepEqual(await find('series', [{ key: 'Modality', op: 'wildcard', pattern: 'M?' }]), ['1.2', '2.1']);
      assert.deepEqual(await find('instance', [{ key: 'SOPInstanceUID', op: 'wildcard', pattern: '1.1.*' }]), ['1.1.1', '1.1.2']);
      assert.deepEqual(await find('instance', [{ key: 'SOPInstanceUID', op: 'wildcard', pattern: '?.1.1' }]), ['1.1.1', '2.1.1', '3.1.1']);
    });

    it("'range' is inclusive, open at either end, and holds for one value (not values straddling it)", async () => {
      const date = (from?: string, to?: string) => find('study', [{ key: 'StudyDate', op: 'range', from, to }]);
      assert.deepEqual(await date('20200101', '20201231'), ['1']);
      assert.deepEqual(await date('20200101'), ['1', '2']);
      assert.deepEqual(await date(undefined, '20200115'), ['1', '3']);
      assert.deepEqual(await date('20210610', '20210610'), ['2']);
      assert.deepEqual(await date('20220101'), []);
      assert.deepEqual(await date(), ['1', '2', '3']);
      assert.deepEqual(await date('20201231', '20200101'), []);
      // Series 3.1 holds 20190101 and 20220101: neither lies in 2020-2021.
      const seriesDate = (from?: string, to?: string) => find('series', [{ key: 'SeriesDate', op: 'range', from, to }]);
      assert.deepEqual(await seriesDate('20200101', '20211231'), ['1.1', '1.2', '2.1']);
      assert.deepEqual(await seriesDate('20190101', '20191231'), ['3.1']);
      assert.deepEqual(await seriesDate('20220101'), ['3.1']);
      // 2.1.1's ContentDateX is in range; its ContentDate is not.
      const content: Condition[] = [{ key: 'ContentDate', op: 'range', from: '20200101', to: '20201231' }];
      assert.deepEqual(await find('instance', content), ['1.1.1', '1.1.2']);
      // Byte order on text with regex metacharacters: 'A.B(' lies between 'A.B' and 'A.C'; 'AXB' and 'acc' do not.
      assert.deepEqual(await find('study', [{ key: 'AccessionNumber', op: 'range', from: 'A.B', to: 'A.C' }]), ['1']);
      assert.deepEqual(await find('study', [{ key: 'AccessionNumber', op: 'range', from: 'A', to: 'AZ' }]), ['1', '2']);
    });

    it("'words' needs every prefix to start some word of the name", async () => {
      const words = (...prefixes: string[]) => find('study', [{ key: 'PatientName.word', op: 'words', prefixes }]);
      assert.deepEqual(await words('JO', 'DO'), ['1']);
      assert.deepEqual(await words('D'), ['1', '2']);
      assert.deepEqual(await words('JA', 'DOE'), ['2']);
      assert.deepEqual(await words('JO', 'X'), []);
      assert.deepEqual(await words('JOS', 'MAR'), ['3']);
      assert.deepEqual(await words('OHN'), []);
      assert.deepEqual(await words('JOHN', 'JANE'), []);
    });

    it('ANDs several conditions', async () => {
      assert.deepEqual(
        await find('study', [
          { key: 'PatientName', op: 'wildcard', pattern: 'DOE*' },
          { key: 'StudyDate', op: 'range', from: '20210101' },
        ]),
        ['2'],
      );
      assert.deepEqual(
        await find('instance', [
          { key: 'Modality', op: 'any', values: ['CT', 'US'] },
          { key: 'ContentDate', op: 'range', to: '20200115' },
        ]),
        ['1.1.1', '3.1.1'],
      );
    });

    it('pages with limit and offset, and says when more records follow', async () => {
      const p = freshTenant();
      const days = ['01', '02', '03', '04', '05', '06', '07'];
      await insertAll(store(), days.map((d) => instance({ tenant: p, study: d, series: `${d}.1`, sop: `${d}.1.1`, sortKeys: { study: `202401${d}` }, modality: d <= '05' ? 'CT' : 'MR' })));
      const page = async (limit: number, offset: number, conditions: Condition[] = []) => {
        const r = await store().query({ tenant: p, level: 'study', conditions, limit, offset });
        return { uids: r.records.map((x) => x.studyUid), more: r.more };
      };
      assert.deepEqual(await page(3, 0), { uids: ['07', '06', '05'], more: true });
      assert.deepEqual(await page(3, 3), { uids: ['04', '03', '02'], more: true });
      assert.deepEqual(await page(3, 6), { uids: ['01'], more: false });
      assert.deepEqual(await page(3, 4), { uids: ['03', '02', '01'], more: false });
      assert.deepEqual(await page(3, 9), { uids: [], more: false });
      const ct: Condition[] = [{ key: 'ModalitiesInStudy', op: 'any', values: ['CT'] }];
      assert.deepEqual(await page(2, 2, ct), { uids: ['03', '02'], more: true });
      assert.deepEqual(await page(2, 4, ct), { uids: ['01'], more: false });
    });

    it('orders studies newest first, series and instances by number; ties by insertion order', async () => {
      const o = freshTenant();
      const sk = (study: string, series = '0000000000001', inst = '0000000000001') => ({ study, series, instance: inst });
      await insertAll(store(), [
        instance({ tenant: o, study: 'S1', series: 'S1.a', sop: 'S1.a.1', sortKeys: sk('20200101000000', '0000000000002', '0000000000002') }),
        instance({ tenant: o, study: 'S2', series: 'S2.a', sop: 'S2.a.1', sortKeys: sk('20210101000000') }),
        instance({ tenant: o, study: 'S3', series: 'S1.b', sop: 'S1.b.1', sortKeys: sk('20200101000000') }),
        instance({ tenant: o, study: 'S4', series: 'S4.a', sop: 'S4.a.1', sortKeys: sk('') }),
        instance({ tenant: o, study: 'S1', series: 'S1.c', sop: 'S1.c.1', sortKeys: sk('20200101000000', '0000000000001', '~') }),
        instance({ tenant: o, study: 'S1', series: 'S1.d', sop: 'S1.d.1', sortKeys: sk('20200101000000', '0000000000001', '0000000000002') }),
        instance({ tenant: o, study: 'S1', series: 'S1.a', sop: 'S1.a.2', sortKeys: sk('20200101000000', '0000000000002', '0000000000001') }),
        instance({ tenant: o, study: 'S1', series: 'S1.e', sop: 'S1.e.1', sortKeys: sk('20200101000000', '~', '0000000000002') }),
      ]);
      const order = (level: QueryLevel, scope: { studyUid?: string; seriesUid?: string } = {}) => queryUids(store(), { tenant: o, level, ...scope });
      assert.deepEqual(await order('study'), ['S2', 'S3', 'S1', 'S4']);
      assert.deepEqual(await order('series', { studyUid: 'S1' }), ['S1.c', 'S1.d', 'S1.a', 'S1.e']);
      assert.deepEqual(await order('instance', { studyUid: 'S1', seriesUid: 'S1.a' }), ['S1.a.2', 'S1.a.1']);
      assert.deepEqual(await order('instance', { studyUid: 'S1' }), ['S1.a.2', 'S1.a.1', 'S1.d.1', 'S1.e.1', 'S1.c.1']);
      const found = await store().findInstances({ tenant: o, studyUid: 'S1' });
      assert.deepEqual(found.map((r) => r.sopUid), ['S1.a.2', 'S1.a.1', 'S1.d.1', 'S1.e.1', 'S1.c.1']);
    });
  });
}
