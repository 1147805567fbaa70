import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../storage/fs-blob-store.js';
import { describeBlobStoreContract } from './blob-store.contract.js';

describeBlobStoreContract('filesystem', async () => {
  const root = mkdtempSync(join(tmpdir(), 'contract-fs-blobs-'));
  const store = await new FsBlobStore(root).init();
  return {
    store,
    // Writes go through root/.tmp; an interrupted one must not stay there.
    async leftovers() {
      return readdirSync(join(root, '.tmp'));
    },
    async dispose() {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});
