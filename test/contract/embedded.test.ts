import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedIndexStore } from '../../storage/embedded/embedded-index-store.js';
import { describeIndexStoreContract } from './index-store.contract.js';

describeIndexStoreContract('embedded (SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-embedded-'));
  const file = join(dir, 'index.sqlite');
  const store = new EmbeddedIndexStore(file);
  return {
    store,
    async damageCounts(tenant, studyUid) {
      const db = new Database(file);
      try {
        db.prepare(`UPDATE studies SET num_series = 7, num_instances = 99, modalities = '["XX"]' WHERE tenant = ? AND study_uid = ?`).run(tenant, studyUid);
        db.prepare('UPDATE series SET num_instances = 42 WHERE tenant = ? AND study_uid = ?').run(tenant, studyUid);
      } finally {
        db.close();
      }
    },
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
