/**
 * The FhirStore contract, part 1: resources, owners and search. Written once,
 * run against every adapter (fhir-store-embedded.test.ts, fhir-store-mongo.test.ts).
 * Each test works in its own fresh tenant, so tests share one store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FhirStore, IndexEntry, ResourceQuery, ResourceWrite, SearchCondition } from '../../storage/fhir-store.js';
import { freshTenant } from './index-fixtures.js';

export interface FhirStoreHarness {
  store: FhirStore;
  dispose(): Promise<void>;
}

export type OpenFhirStore = (options?: { now?: () => Date }) => Promise<FhirStoreHarness>;

export function obs(id: string, index: IndexEntry[], extra: Record<string, unknown> = {}): ResourceWrite {
  return { type: 'Observation', id, resource: { resourceType: 'Observation', status: 'final', code: { text: id }, ...extra }, index };
}

const tok = (param: string, code: string, system?: string): IndexEntry => ({ param, kind: 'token', code, ...(system !== undefined ? { system } : {}) });
const ref = (param: string, r: string): IndexEntry => ({ param, kind: 'reference', ref: r });
const str = (param: string, exact: string): IndexEntry => ({ param, kind: 'string', exact, text: exact.toLowerCase() });
const day = (param: string, d: string): IndexEntry => ({ param, kind: 'date', lo: `${d}T00:00:00.000Z`, hi: `${d}T23:59:59.999Z` });

export function describeFhirStoreContract(name: string, open: OpenFhirStore): void {
  describe(`FhirStore contract (resources, search): ${name}`, () => {
    let h: FhirStoreHarness;
    const store = () => h.store;
    before(async () => {
      h = await open();
    });
    after(async () => {
      await h?.dispose();
    });

    const ids = async (tenant: string, conditions: SearchCondition[], more: Partial<ResourceQuery> = {}) =>
      (await store().search({ tenant, type: 'Observation', conditions, sort: { by: 'id', descending: false }, offset: 0, count: 100, ...more }))
        .resources.map((r) => r.id);

    it('put assigns version 1 and lastUpdated, read returns the resource with id and meta; tenants are apart', async () => {
      const t = freshTenant();
      const stored = await store().put(t, obs('a', [], { meta: { source: 'urn:x', versionId: '99' } }));
      assert.equal(stored.versionId, '1');
      assert.match(stored.lastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(stored.resource, {
        resourceType: 'Observation', id: 'a', meta: { versionId: '1', lastUpdated: stored.lastUpdated, source: 'urn:x' }, status: 'final', code: { text: 'a' },
      });
      assert.deepEqual(await store().read(t, 'Observation', 'a'), stored);
      assert.equal(await store().read(freshTenant(), 'Observation', 'a'), undefined);
      assert.equal(await store().read(t, 'Patient', 'a'), undefined);
    });

    it('a write that changes nothing keeps the version; a change makes the next one', async () => {
      const t = freshTenant();
      const first = await store().put(t, obs('a', [tok('status', 'final')]));
      const same = await store().put(t, obs('a', [tok('status', 'final')]));
      assert.deepEqual([same.versionId, same.lastUpdated], [first.versionId, first.lastUpdated]);
      await new Promise((r) => setTimeout(r, 5));
      const changed = await store().put(t, obs('a', [tok('status', 'amended')], { status: 'amended' }));
      assert.equal(changed.versionId, '2');
      assert.ok(changed.lastUpdated > first.lastUpdated, 'lastUpdated moves on');
      assert.deepEqual(await ids(t, [{ kind: 'token', param: 'status', anyOf: [{ code: 'final' }] }]), []);
      assert.deepEqual(await ids(t, [{ kind: 'token', param: 'status', anyOf: [{ code: 'amended' }] }]), ['a']);
    });

    it('re-indexes a resource whose search values changed even if its content did not', async () => {
      const t = freshTenant();
      await store().put(t, obs('a', [tok('code', 'x')]));
      const again = await store().put(t, obs('a', [tok('code', 'y')]));
      assert.equal(again.versionId, '1');
      assert.deepEqual(await ids(t, [{ kind: 'token', param: 'code', anyOf: [{ code: 'y' }] }]), ['a']);
      assert.deepEqual(await ids(t, [{ kind: 'token', param: 'code', anyOf: [{ code: 'x' }] }]), []);
    });

    it('delete removes a resource and its search values; readMany skips missing and repeated references', async () => {
      const t = freshTenant();
      await store().put(t, obs('a', [tok('code', 'x')]));
      await store().put(t, obs('b', [tok('code', 'x')]));
      assert.equal(await store().delete(t, 'Observation', 'a'), true);
      assert.equal(await store().delete(t, 'Observation', 'a'), false);
      assert.equal(await store().read(t, 'Observation', 'a'), undefined);
      assert.deepEqual(await ids(t, [{ kind: 'token', param: 'code', anyOf: [{ code: 'x' }] }]), ['b']);
      const many = await store().readMany(t, [{ type: 'Observation', id: 'b' }, { type: 'Observation', id: 'a' }, { type: 'Observation', id: 'b' }]);
      assert.deepEqual(many.map((r) => r.id), ['b']);
      assert.deepEqual(await store().readMany(t, []), []);
    });

    it('token search: code alone, system|code, |code, system|, alternatives, and AND across conditions', async () => {
      const t = freshTenant();
      await store().put(t, obs('a', [tok('code', '1', 'http://loinc.org'), tok('category', 'imaging', 'cat')]));
      await store().put(t, obs('b', [tok('code', '1', 'http://snomed.info/sct')]));
      await store().put(t, obs('c', [tok('code', '1')]));
      await store().put(t, obs('d', [tok('code', '2', 'http://loinc.org'), tok('category', 'imaging', 'cat')]));
      const code = (...anyOf: Array<{ system?: string | null; code?: string }>): SearchCondition => ({ kind: 'token', param: 'code', anyOf });
      assert.deepEqual(await ids(t, [code({ code: '1' })]), ['a', 'b', 'c']);
      assert.deepEqual(await ids(t, [code({ system: 'http://loinc.org', code: '1' })]), ['a']);
      assert.deepEqual(await ids(t, [code({ system: null, code: '1' })]), ['c']);
      assert.deepEqual(await ids(t, [code({ system: 'http://loinc.org' })]), ['a', 'd']);
      assert.deepEqual(await ids(t, [code({ system: 'http://snomed.info/sct', code: '1' }, { code: '2' })]), ['b', 'd']);
      assert.deepEqual(await ids(t, [code({ code: '1' }), { kind: 'token', param: 'category', anyOf: [{ code: 'imaging' }] }]), ['a']);
      assert.deepEqual(await ids(t, [{ kind: 'token', param: 'category', anyOf: [{ code: '1' }] }]), [], 'values of one parameter never match another');
      assert.deepEqual(await ids(freshTenant(), [code({ code: '1' })]), []);
    });

    it('reference and string search (prefix, contains, exact)', async () => {
      const t = freshTenant();
      await store().put(t, obs('a', [ref('subject', 'Patient/p1'), str('name', 'Müller-Lüdenscheidt'), str('name', 'Anna')]));
      await store().put(t, obs('b', [ref('subject', 'Patient/p2'), str('name', 'Anne "quoted" 100%_x\\')]));
      assert.deepEqual(await ids(t, [{ kind: 'reference', param: 'subject', anyOf: ['Patient/p1'] }]), ['a']);
      assert.deepEqual(await ids(t, [{ kind: 'reference', param: 'subject', anyOf: ['Patient/p1', 'Patient/p2'] }]), ['a', 'b']);
      assert.deepEqual(await ids(t, [{ kind: 'reference', param: 'subject', anyOf: ['p1'] }]), []);
      const s = (match: 'prefix' | 'contains' | 'exact', ...anyOf: string[]): SearchCondition => ({ kind: 'string', param: 'name', match, anyOf });
      assert.deepEqual(await ids(t, [s('prefix', 'ann')]), ['a', 'b']);
      assert.deepEqual(await ids(t, [s('prefix', 'anna')]), ['a']);
      assert.deepEqual(await ids(t, [s('prefix', 'müller-l')]), ['a']);
      assert.deepEqual(await ids(t, [s('contains', 'lüden')]), ['a']);
      assert.deepEqual(await ids(t, [s('contains', '"quoted" 100%_x\\')]), ['b']);
      assert.deepEqual(await ids(t, [s('contains', '100_')]), [], '% and _ are literal');
      assert.deepEqual(await ids(t, [s('exact', 'Anna')]), ['a']);
      assert.deepEqual(await ids(t, [s('exact', 'anna')]), []);
      assert.deepEqual(await ids(t, [s('prefix', 'x', 'müller')]), ['a']);
    });

    it('date search compares spans, alternatives of conjunctions', async () => {
      const t = freshTenant();
      await store().put(t, obs('a', [day('date', '2024-01-01')]));
      await store().put(t, obs('b', [day('date', '2024-06-15')]));
      await store().put(t, obs('c', []));
      const d = (...anyOf: Array<Array<{ field: 'lo' | 'hi'; op: '<' | '<=' | '>' | '>='; value: string }>>): SearchCondition => ({ kind: 'date', param: 'date', anyOf });
      assert.deepEqual(await ids(t, [d([{ field: 'lo', op: '>=', value: '2024-01-01T00:00:00.000Z' }, { field: 'hi', op: '<=', value: '2024-01-01T23:59:59.999Z' }])]), ['a']);
      assert.deepEqual(await ids(t, [d([{ field: 'hi', op: '>', value: '2024-03-01T00:00:00.000Z' }])]), ['b']);
      assert.deepEqual(await ids(t, [d([{ field: 'lo', op: '<', value: '2024-03-01T00:00:00.000Z' }], [{ field: 'lo', op: '>', value: '2024-06-15T10:00:00.000Z' }])]), ['a']);
      assert.deepEqual(await ids(t, [d([{ field: 'lo', op: '<', value: '2030-01-01T00:00:00.000Z' }])]), ['a', 'b'], 'no date, no match');
    });

    it('_id and _lastUpdated conditions, sort, offset, count and total', async () => {
      let clock = Date.parse('2024-05-01T00:00:00.000Z');
      const own = await open({ now: () => new Date((clock += 1000)) });
      try {
        const t = freshTenant();
        for (const id of ['c', 'a', 'd', 'b']) await own.store.put(t, obs(id, []));
        const page = (more: Partial<ResourceQuery>) =>
          own.store.search({ tenant: t, type: 'Observation', conditions: [], sort: { by: 'lastUpdated', descending: true }, offset: 0, count: 10, ...more });
        assert.deepEqual((await page({})).resources.map((r) => r.id), ['b', 'd', 'a', 'c']);
        assert.deepEqual((await page({ sort: { by: 'id', descending: false } })).resources.map((r) => r.id), ['a', 'b', 'c', 'd']);
        assert.deepEqual((await page({ sort: { by: 'id', descending: true } })).resources.map((r) => r.id), ['d', 'c', 'b', 'a']);
        const second = await page({ offset: 1, count: 2 });
        assert.deepEqual([second.resources.map((r) => r.id), second.total], [['d', 'a'], 4]);
        assert.deepEqual(await page({ count: 0 }), { resources: [], total: 4 });
        assert.deepEqual((await page({ conditions: [{ kind: 'id', anyOf: ['a', 'b', 'zz'] }] })).resources.map((r) => r.id), ['b', 'a']);
        const after = (await own.store.read(t, 'Observation', 'a'))!.lastUpdated;
        const since = await page({ conditions: [{ kind: 'lastUpdated', anyOf: [[{ field: 'hi', op: '>', value: after }]] }] });
        assert.deepEqual(since.resources.map((r) => r.id), ['b', 'd']);
      } finally {
        await own.dispose();
      }
    });

    it('replaceOwned makes a set complete: creates, keeps unchanged, drops what the owner no longer holds', async () => {
      const t = freshTenant();
      const patient: ResourceWrite = { type: 'Patient', id: 'p', resource: { resourceType: 'Patient' }, index: [] };
      const first = await store().replaceOwned(t, 'study-1', [patient, obs('o1', [tok('code', 'x')]), obs('o2', [])]);
      assert.deepEqual(first, { created: 3, updated: 0, unchanged: 0, deleted: 0 });
      assert.deepEqual(await store().replaceOwned(t, 'study-1', [patient, obs('o1', [tok('code', 'x')]), obs('o2', [])]),
        { created: 0, updated: 0, unchanged: 3, deleted: 0 });
      assert.deepEqual(await store().replaceOwned(t, 'study-2', [patient, obs('o3', [])]), { created: 1, updated: 0, unchanged: 1, deleted: 0 });

      const changed = await store().replaceOwned(t, 'study-1', [patient, obs('o1', [tok('code', 'y')], { status: 'amended' })]);
      assert.deepEqual(changed, { created: 0, updated: 1, unchanged: 1, deleted: 1 });
      assert.equal(await store().read(t, 'Observation', 'o2'), undefined);
      assert.deepEqual(await ids(t, [{ kind: 'token', param: 'code', anyOf: [{ code: 'y' }] }]), ['o1']);

      assert.deepEqual(await store().replaceOwned(t, 'study-1', []), { created: 0, updated: 0, unchanged: 0, deleted: 1 });
      assert.ok(await store().read(t, 'Patient', 'p'), 'study-2 still holds the Patient');
      assert.deepEqual(await store().replaceOwned(t, 'study-2', []), { created: 0, updated: 0, unchanged: 0, deleted: 2 });
      assert.equal(await store().read(t, 'Patient', 'p'), undefined);
      assert.deepEqual(await store().replaceOwned(freshTenant(), 'study-2', []), { created: 0, updated: 0, unchanged: 0, deleted: 0 });
    });

    it('replaceOwned of one tenant never touches another tenant with the same ids', async () => {
      const [t1, t2] = [freshTenant(), freshTenant()];
      await store().replaceOwned(t1, 's', [obs('o', [])]);
      await store().replaceOwned(t2, 's', [obs('o', [])]);
      await store().replaceOwned(t1, 's', []);
      assert.equal(await store().read(t1, 'Observation', 'o'), undefined);
      assert.ok(await store().read(t2, 'Observation', 'o'));
    });
  });
}
