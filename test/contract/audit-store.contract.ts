/**
 * The AuditStore contract, written once and run against every adapter
 * (audit-store-embedded.test.ts, audit-store-mongo.test.ts). Each test
 * works in its own tenant.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AuditRecord, AuditStore } from '../../storage/audit-store.js';

export interface AuditStoreHarness {
  store: AuditStore;
  dispose(): Promise<void>;
}

const tenant = () => `audit-${randomUUID().slice(0, 8)}`;

function record(t: string, minute: number, o: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: randomUUID(),
    recordedAt: new Date(Date.UTC(2025, 0, 1, 10, minute)).toISOString(),
    tenant: t,
    agent: { kind: 'jwt', id: 'client-1' },
    action: 'retrieve',
    method: 'GET',
    route: '/dicomweb/studies/:study',
    studyUids: ['1.2.3'],
    entities: [],
    queryKeys: [],
    status: 200,
    ...o,
  };
}

export function describeAuditStoreContract(name: string, open: () => Promise<AuditStoreHarness>): void {
  describe(`AuditStore contract: ${name}`, () => {
    let h: AuditStoreHarness;
    const store = () => h.store;
    const ids = async (q: Partial<Parameters<AuditStore['query']>[0]> & { tenant: string }) =>
      (await store().query({ limit: 100, offset: 0, ...q })).records.map((r) => r.id);
    before(async () => {
      h = await open();
    });
    after(async () => {
      await h?.dispose();
    });

    it('keeps every field and reads a record back by id, only within its tenant', async () => {
      const t = tenant();
      const full = record(t, 1, {
        agent: { kind: 'api-key', id: '0123456789abcdef' }, action: 'fhir-search', route: '/fhir/:type', studyUids: ['1.2', '1.3'],
        entities: ['ImagingStudy/abc'], queryKeys: ['patient', '_count'], status: 404, sourceAddress: '::1',
      });
      const bare = record(t, 2);
      await store().append(full);
      await store().append(bare);
      assert.deepEqual(await store().get(t, full.id), full);
      assert.deepEqual(await store().get(t, bare.id), bare);
      assert.equal((await store().get(t, bare.id))!.sourceAddress, undefined);
      assert.equal(await store().get(tenant(), full.id), undefined);
      assert.equal(await store().get(t, randomUUID()), undefined);
    });

    it('queries newest first, one tenant only, with limit, offset and a more flag', async () => {
      const t = tenant();
      const other = tenant();
      const recs = [3, 1, 4, 2].map((m) => record(t, m));
      for (const r of recs) await store().append(r);
      await store().append(record(other, 5));
      const newestFirst = [...recs].sort((a, b) => b.recordedAt.localeCompare(a.recordedAt)).map((r) => r.id);
      assert.deepEqual(await ids({ tenant: t }), newestFirst);
      const page = await store().query({ tenant: t, limit: 3, offset: 0 });
      assert.deepEqual([page.records.length, page.more], [3, true]);
      const last = await store().query({ tenant: t, limit: 3, offset: 3 });
      assert.deepEqual([last.records.map((r) => r.id), last.more], [[newestFirst[3]], false]);
      assert.deepEqual(await ids({ tenant: tenant() }), []);
    });

    it('filters by time (since inclusive, until exclusive), agent, study, action and status', async () => {
      const t = tenant();
      const r1 = record(t, 1, { agent: { kind: 'jwt', id: 'alice' }, studyUids: ['9.1'], status: 200, action: 'search' });
      const r2 = record(t, 2, { agent: { kind: 'api-key', id: 'bob' }, studyUids: ['9.1', '9.2'], status: 404 });
      const r3 = record(t, 3, { agent: { kind: 'jwt', id: 'alice' }, studyUids: [], status: 503, action: 'store' });
      for (const r of [r1, r2, r3]) await store().append(r);
      assert.deepEqual(await ids({ tenant: t, since: r2.recordedAt }), [r3.id, r2.id]);
      assert.deepEqual(await ids({ tenant: t, until: r2.recordedAt }), [r1.id]);
      assert.deepEqual(await ids({ tenant: t, since: r1.recordedAt, until: r3.recordedAt }), [r2.id, r1.id]);
      assert.deepEqual(await ids({ tenant: t, agentId: 'alice' }), [r3.id, r1.id]);
      assert.deepEqual(await ids({ tenant: t, studyUid: '9.1' }), [r2.id, r1.id]);
      assert.deepEqual(await ids({ tenant: t, studyUid: '9.2' }), [r2.id]);
      assert.deepEqual(await ids({ tenant: t, action: 'store' }), [r3.id]);
      assert.deepEqual(await ids({ tenant: t, status: { min: 400, max: 500 } }), [r2.id]);
      assert.deepEqual(await ids({ tenant: t, status: { min: 100, max: 400 }, agentId: 'alice' }), [r1.id]);
      assert.deepEqual(await ids({ tenant: t, status: { min: 0, max: 0 } }), []);
    });

    it('keeps a record that names the same study twice', async () => {
      const t = tenant();
      const r = record(t, 1, { studyUids: ['7.7', '7.7'] });
      await store().append(r);
      assert.deepEqual(await ids({ tenant: t, studyUid: '7.7' }), [r.id]);
    });
  });
}
