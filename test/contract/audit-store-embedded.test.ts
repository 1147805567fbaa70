import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedAuditStore } from '../../storage/embedded/embedded-audit-store.js';
import { EmbeddedIndexStore } from '../../storage/embedded/embedded-index-store.js';
import { describeAuditStoreContract } from './audit-store.contract.js';

describeAuditStoreContract('embedded (SQLite, beside the index in its file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-audit-'));
  const file = join(dir, 'index.sqlite');
  // Opened on the index file the way the container does, with the index store open too.
  const index = new EmbeddedIndexStore(file);
  const store = new EmbeddedAuditStore(file);
  return {
    store,
    async dispose() {
      await store.close();
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
