/**
 * The FHIR dirty mark is written ahead of every index write (marking-index.ts),
 * so a crash right after a commit never leaves an instance without FHIR; and a
 * sync never clears a mark while a write of its study may still be committing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FhirSync } from '../../core/fhir-sync/fhir-sync.js';
import { markingIndex } from '../../core/fhir-sync/marking-index.js';
import type { DirtyStudy } from '../../storage/fhir-store.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { InstanceRecord } from '../../storage/model.js';

const silent = { info() {}, warn() {}, error() {} };

function memoryMarks() {
  const marks = new Map<string, DirtyStudy>();
  let n = 0;
  return {
    marks,
    writes: () => n,
    async markDirty(tenant: string, studyUid: string) {
      n++;
      const m = { tenant, studyUid, token: String(n), markedAt: new Date().toISOString() };
      marks.set(studyUid, m);
      return m;
    },
    async listDirty() {
      return [...marks.values()];
    },
    async clearDirty(d: DirtyStudy) {
      if (marks.get(d.studyUid)?.token !== d.token) return false;
      marks.delete(d.studyUid);
      return true;
    },
  };
}

const record = (studyUid: string, sopUid: string) => ({ tenant: 't', studyUid, sopUid }) as InstanceRecord;

describe('write-ahead FHIR dirty marks', () => {
  it('the mark is durable before the index commits, once per study and sync', async () => {
    const m = memoryMarks();
    const seen: string[] = [];
    const sync = new FhirSync({ marks: m, sync: async () => ({ resources: { created: 0, updated: 0, unchanged: 0, deleted: 0 }, enqueued: false, instances: 0, warnings: [], errors: [] }), concurrency: 1, delayMs: 0, retryMaxMs: 1000, log: silent });
    const fake = {
      async insertInstance(rec: InstanceRecord) {
        seen.push(`${rec.sopUid}: mark ${m.marks.has(rec.studyUid) ? 'present' : 'missing'}`);
        return { kind: 'inserted' };
      },
      async deleteInstances(scope: { studyUid: string }) {
        seen.push(`delete: mark ${m.marks.has(scope.studyUid) ? 'present' : 'missing'}`);
        return [];
      },
      async ping() {},
    } as unknown as IndexStore;
    const index = markingIndex(fake, sync);
    await index.insertInstance(record('1.2.3', 'a'), 'reject');
    await index.insertInstance(record('1.2.3', 'b'), 'reject');
    assert.deepEqual(seen, ['a: mark present', 'b: mark present'], 'marked before each commit');
    assert.equal(m.writes(), 1, 'one mark write for both instances');
    // "Crash" here: the process is gone, the mark stays; a new process resumes it.
    const resumed: string[] = [];
    const next = new FhirSync({ marks: m, sync: async (_t, s) => (resumed.push(s), { resources: { created: 1, updated: 0, unchanged: 0, deleted: 0 }, enqueued: false, instances: 2, warnings: [], errors: [] }), concurrency: 1, delayMs: 0, retryMaxMs: 1000, log: silent });
    assert.equal(await next.start(), 1, 'one study resumed');
    await next.idle();
    assert.deepEqual([resumed, m.marks.size], [['1.2.3'], 0], 'synced after the restart, mark cleared');
    await markingIndex(fake, next).deleteInstances({ tenant: 't', studyUid: '1.2.3' });
    assert.deepEqual(seen.at(-1), 'delete: mark present', 'deletes are marked ahead too');
    await index.ping();
    await sync.stop();
    await next.stop();
  });

  it('a sync that started while a write was committing keeps the mark and runs again', async () => {
    const m = memoryMarks();
    let commit!: () => void;
    const committing = new Promise<void>((r) => (commit = r));
    let runs = 0;
    const sync = new FhirSync({
      marks: m, concurrency: 1, delayMs: 0, retryMaxMs: 1000, log: silent,
      sync: async () => {
        runs++;
        if (runs === 1) commit(); // the write commits after this sync read the study
        return { resources: { created: 0, updated: 0, unchanged: 0, deleted: 0 }, enqueued: false, instances: 0, warnings: [], errors: [] };
      },
    });
    const index = markingIndex({ insertInstance: async () => (await committing, { kind: 'inserted' }) } as unknown as IndexStore, sync);
    await sync.studyChanged('t', '9.9');
    const insert = index.insertInstance(record('9.9', 'x'), 'reject');
    await insert;
    assert.ok(m.marks.has('9.9') || runs >= 2, 'the first sync did not clear the mark under the write');
    await sync.onStored('t', [{ ok: true, studyUid: '9.9' } as never]);
    await sync.idle();
    assert.ok(runs >= 2, `synced again after the write (${runs} runs)`);
    assert.equal(m.marks.size, 0, 'cleared by a sync that saw the write');
    await sync.stop();
  });

  it('a write that failed (and may have reached the index) schedules a sync of its own', async () => {
    const m = memoryMarks();
    const synced: string[] = [];
    const sync = new FhirSync({
      marks: m, concurrency: 1, delayMs: 0, retryMaxMs: 1000, log: silent,
      sync: async (_t, s) => (synced.push(s), { resources: { created: 0, updated: 0, unchanged: 0, deleted: 0 }, enqueued: false, instances: 0, warnings: [], errors: [] }),
    });
    const index = markingIndex({ insertInstance: async () => { throw new Error('connection lost after the write'); } } as unknown as IndexStore, sync);
    await assert.rejects(index.insertInstance(record('7.7', 'y'), 'reject'), /connection lost/, 'the write failed');
    assert.ok(m.marks.has('7.7'), 'the mark is there');
    await new Promise((r) => setTimeout(r, 1200));
    await sync.idle();
    assert.deepEqual([synced, m.marks.size], [['7.7'], 0], 'synced and cleared without any onStored');
    await sync.stop();
  });
});
