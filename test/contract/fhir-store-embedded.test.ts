import type Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EmbeddedFhirStore } from '../../storage/embedded/embedded-fhir-store.js';
import { WalSync } from '../../storage/embedded/wal-sync.js';
import { describeFhirStoreContract, type OpenFhirStore } from './fhir-store.contract.js';
import { describeFhirStoreSyncContract } from './fhir-store-sync.contract.js';

const open: OpenFhirStore = async (options = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-fhir-embedded-'));
  const store = new EmbeddedFhirStore(join(dir, 'fhir.sqlite'), options);
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

describeFhirStoreContract('embedded (SQLite)', open);
describeFhirStoreSyncContract('embedded (SQLite)', open);

describe('embedded FHIR store durability (synchronous=NORMAL + WAL fsync off the event loop)', () => {
  it('commits unsynced in WAL mode, and a mark or an enqueue resolves only after the WAL fsync', async () => {
    const { store, dispose } = await open();
    const db = (store as unknown as { db: Database.Database }).db;
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal', 'WAL mode');
    assert.equal(db.pragma('synchronous', { simple: true }), 1, 'synchronous=NORMAL: no fsync inside the blocking call');
    const original = WalSync.prototype.sync;
    const pending: Array<() => void> = [];
    WalSync.prototype.sync = function (this: WalSync) {
      return original.call(this).then(() => new Promise<void>((resolve) => pending.push(resolve)));
    };
    try {
      let marked = false;
      const marking = store.markDirty('t', '1.2.3').then(() => (marked = true));
      const mark = db.prepare('SELECT token FROM fhir_study_sync WHERE study_uid = ?').get('1.2.3') as { token: string } | undefined;
      assert.ok(mark?.token, 'the mark is committed before its fsync');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(marked, false, 'markDirty waits for the WAL fsync');
      assert.equal(pending.length, 1, 'one fsync for the mark');
      pending.shift()!();
      await marking;
      assert.equal(marked, true, 'markDirty resolves after the fsync');

      let enqueued = false;
      const enqueuing = store.enqueue({ tenant: 't', studyUid: '1.2.3', payload: '{}' }, new Date().toISOString()).then(() => (enqueued = true));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(enqueued, false, 'enqueue waits for the WAL fsync');
      pending.shift()!();
      await enqueuing;
      assert.equal(enqueued, true, 'enqueue resolves after the fsync');
    } finally {
      WalSync.prototype.sync = original;
      pending.forEach((release) => release());
      await dispose();
    }
  });

  it('concurrent marks share WAL fsyncs instead of one each', async () => {
    const { store, dispose } = await open();
    const original = WalSync.prototype.sync;
    let flushes = 0;
    const flush = (WalSync.prototype as unknown as { flush: () => Promise<void> }).flush;
    (WalSync.prototype as unknown as { flush: () => Promise<void> }).flush = function (this: WalSync) {
      flushes++;
      return flush.call(this);
    };
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.markDirty('t', `1.2.${i}`)));
      assert.ok(flushes <= 2, `20 concurrent marks made ${flushes} fsyncs, expected at most 2`);
      assert.equal((await store.listDirty(100)).length, 20, 'every mark is written');
    } finally {
      (WalSync.prototype as unknown as { flush: () => Promise<void> }).flush = flush;
      WalSync.prototype.sync = original;
      await dispose();
    }
  });

  it('an in-memory store keeps synchronous=FULL and needs no WAL fsync', async () => {
    const store = new EmbeddedFhirStore(':memory:');
    try {
      const db = (store as unknown as { db: Database.Database }).db;
      assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
      const m = await store.markDirty('t', '1.2.3');
      assert.equal((await store.listDirty(10))[0]?.token, m.token, 'the mark is written');
    } finally {
      await store.close();
    }
  });
});
