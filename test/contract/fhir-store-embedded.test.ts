import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedFhirStore } from '../../storage/embedded/embedded-fhir-store.js';
import { describeFhirStoreContract, type OpenFhirStore } from './fhir-store.contract.js';
import { describeFhirStoreSyncContract } from './fhir-store-sync.contract.js';

const open: OpenFhirStore = async (options = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-fhir-embedded-'));
  const store = new EmbeddedFhirStore(join(dir, 'fhir.sqlite'), { synchronous: 'NORMAL', ...options });
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
