/**
 * The FhirStore contract, part 2: dirty-study marks and the outbox. The outbox
 * is one queue for the whole store, so each outbox test opens a store of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FhirStore } from '../../storage/fhir-store.js';
import type { FhirStoreHarness, OpenFhirStore } from './fhir-store.contract.js';
import { freshTenant } from './index-fixtures.js';

const T0 = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

export function describeFhirStoreSyncContract(name: string, open: OpenFhirStore): void {
  describe(`FhirStore contract (dirty studies, outbox): ${name}`, () => {
    let h: FhirStoreHarness;
    before(async () => {
      h = await open();
    });
    after(async () => {
      await h?.dispose();
    });

    /** A store with nothing in its outbox, closed after `body`. */
    const withOwnStore = async (body: (s: FhirStore) => Promise<void>): Promise<void> => {
      const own = await open();
      try {
        await body(own.store);
      } finally {
        await own.dispose();
      }
    };

    it('marks studies dirty; a clear with a stale token leaves the newer mark', async () => {
      const t = freshTenant();
      const mine = async () => (await h.store.listDirty(10_000)).filter((d) => d.tenant === t);
      const marked = await h.store.markDirty(t, '1.2.3');
      await h.store.markDirty(t, '1.2.4');
      const [first] = (await mine()).filter((d) => d.studyUid === '1.2.3');
      assert.ok(first?.token && first.markedAt, 'the mark is listed');
      assert.deepEqual(first, marked);
      await h.store.markDirty(t, '1.2.3'); // stored again while the first sync runs
      assert.equal(await h.store.clearDirty(first), false);
      const [second] = (await mine()).filter((d) => d.studyUid === '1.2.3');
      assert.notEqual(second.token, first.token);
      assert.equal(await h.store.clearDirty(second), true);
      assert.deepEqual((await mine()).map((d) => d.studyUid), ['1.2.4']);
      assert.equal(await h.store.clearDirty(second), false);
    });

    it('keeps the hash of the last enqueued Bundle per study, apart from the dirty mark', async () => {
      const t = freshTenant();
      assert.equal(await h.store.enqueuedHash(t, '1'), undefined);
      await h.store.setEnqueuedHash(t, '1', 'h1');
      assert.deepEqual((await h.store.listDirty(10_000)).filter((d) => d.tenant === t), [], 'a hash is no mark');
      await h.store.markDirty(t, '1');
      await h.store.setEnqueuedHash(t, '1', 'h2');
      assert.equal(await h.store.enqueuedHash(t, '1'), 'h2');
      assert.deepEqual((await h.store.listDirty(10_000)).filter((d) => d.tenant === t).map((d) => d.studyUid), ['1']);
      assert.equal(await h.store.enqueuedHash(freshTenant(), '1'), undefined);
    });

    it('keeps the last enqueued Bundle with its hash, and lists every study it has seen', async () => {
      const t = freshTenant();
      assert.equal(await h.store.enqueuedBundle(t, '1'), undefined);
      await h.store.setEnqueuedHash(t, '1', 'h1', '{"resourceType":"Bundle"}');
      assert.equal(await h.store.enqueuedBundle(t, '1'), '{"resourceType":"Bundle"}');
      await h.store.markDirty(t, '2');
      const mark = await h.store.markDirty(t, '3');
      await h.store.clearDirty(mark);
      assert.deepEqual(await h.store.listSyncedStudies(t), ['1', '2', '3'].map((studyUid) => ({ tenant: t, studyUid })), 'marked, cleared or enqueued');
      assert.deepEqual((await h.store.listSyncedStudies()).filter((s) => s.tenant === t).length, 3, 'all tenants');
      await h.store.setEnqueuedHash(t, '1', 'h2');
      assert.equal(await h.store.enqueuedBundle(t, '1'), undefined, 'a hash alone replaces the Bundle');
    });

    it('leases items in order, one at a time per study, other studies meanwhile', () => withOwnStore(async (s) => {
      const t = freshTenant();
      const a1 = await s.enqueue({ tenant: t, studyUid: 'A', payload: 'a1' }, at(0));
      const b1 = await s.enqueue({ tenant: t, studyUid: 'B', payload: 'b1' }, at(1));
      const first = await s.leaseNext(at(2), 60_000);
      assert.deepEqual(first, { id: a1, tenant: t, studyUid: 'A', payload: 'a1', enqueuedAt: at(0), attempts: 0, nextAttemptAt: at(0) });
      const a2 = await s.enqueue({ tenant: t, studyUid: 'A', payload: 'a2' }, at(3)); // a1 is in flight: not superseded
      assert.equal((await s.leaseNext(at(4), 60_000))?.id, b1);
      assert.equal(await s.leaseNext(at(5), 60_000), undefined, 'a2 waits for a1');
      await s.ack(a1);
      assert.equal((await s.leaseNext(at(6), 60_000))?.payload, 'a2');
      await s.ack(a2);
      await s.ack(b1);
      assert.deepEqual(await s.outboxStatus(), { queued: 0, retrying: 0, failed: 0 });
    }));

    it('a newer Bundle supersedes older ones of its study not in flight', () => withOwnStore(async (s) => {
      const t = freshTenant();
      await s.enqueue({ tenant: t, studyUid: 'A', payload: 'a1' }, at(0));
      await s.enqueue({ tenant: t, studyUid: 'B', payload: 'b1' }, at(1));
      await s.enqueue({ tenant: t, studyUid: 'A', payload: 'a2' }, at(2));
      await s.enqueue({ tenant: freshTenant(), studyUid: 'A', payload: 'other tenant' }, at(3));
      const payloads: string[] = [];
      for (let item = await s.leaseNext(at(4), 1000); item; item = await s.leaseNext(at(4), 1000)) {
        payloads.push(item.payload);
        await s.ack(item.id);
      }
      assert.deepEqual(payloads, ['b1', 'a2', 'other tenant']);
    }));

    it('fail schedules a retry, counts attempts, keeps the error; without retryAt the item fails for good', () => withOwnStore(async (s) => {
      const t = freshTenant();
      const a = await s.enqueue({ tenant: t, studyUid: 'A', payload: 'a' }, at(0));
      const b = await s.enqueue({ tenant: t, studyUid: 'B', payload: 'b' }, at(0));
      assert.equal((await s.leaseNext(at(1), 60_000))?.id, a);
      await s.fail(a, 'HTTP 503', at(1), at(31));
      assert.equal((await s.leaseNext(at(2), 60_000))?.id, b);
      await s.fail(b, 'HTTP 422: bad code', at(2));
      assert.equal(await s.leaseNext(at(30), 60_000), undefined, 'a is not due before its retry time');
      assert.deepEqual(await s.outboxStatus(), {
        queued: 1, retrying: 1, failed: 1, oldestQueuedAt: at(0), nextAttemptAt: at(31),
        lastError: { message: 'HTTP 422: bad code', at: at(2), tenant: t, studyUid: 'B' },
      });
      const again = await s.leaseNext(at(31), 60_000);
      assert.deepEqual([again?.id, again?.attempts, again?.lastError], [a, 1, 'HTTP 503']);
      await s.ack(a);
      assert.equal(await s.requeueFailed(at(40)), 1);
      const requeued = await s.leaseNext(at(40), 60_000);
      assert.deepEqual([requeued?.id, requeued?.attempts], [b, 1]);
    }));

    it('status and requeue can be confined to one tenant', () => withOwnStore(async (s) => {
      const [t1, t2] = [freshTenant(), freshTenant()];
      const a = await s.enqueue({ tenant: t1, studyUid: 'A', payload: 'a' }, at(0));
      const b = await s.enqueue({ tenant: t2, studyUid: 'B', payload: 'b' }, at(0));
      await s.leaseNext(at(1), 60_000);
      await s.fail(a, 'HTTP 422: t1', at(1));
      await s.leaseNext(at(2), 60_000);
      await s.fail(b, 'HTTP 400: t2', at(2));
      assert.deepEqual(await s.outboxStatus(t1), { queued: 0, retrying: 0, failed: 1, lastError: { message: 'HTTP 422: t1', at: at(1), tenant: t1, studyUid: 'A' } });
      assert.deepEqual((await s.outboxStatus()).failed, 2);
      assert.deepEqual(await s.outboxStatus(freshTenant()), { queued: 0, retrying: 0, failed: 0 });
      assert.equal(await s.requeueFailed(at(3), t2), 1);
      assert.deepEqual([(await s.outboxStatus(t1)).failed, (await s.outboxStatus(t2)).queued], [1, 1]);
    }));

    it('an expired or released lease makes the item available again', () => withOwnStore(async (s) => {
      const t = freshTenant();
      const a = await s.enqueue({ tenant: t, studyUid: 'A', payload: 'a' }, at(0));
      assert.equal((await s.leaseNext(at(1), 10_000))?.id, a);
      assert.equal(await s.leaseNext(at(5), 10_000), undefined);
      assert.equal((await s.leaseNext(at(12), 10_000))?.id, a, 'lease expired');
      await s.releaseLeases();
      assert.equal((await s.leaseNext(at(13), 10_000))?.id, a, 'lease released');
      assert.equal((await s.outboxStatus()).queued, 1, 'leased items are still queued');
    }));
  });
}
