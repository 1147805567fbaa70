/**
 * Re-indexes the de-identified view's search terms after a change of
 * DEID_POLICY, DEID_OPTIONS or DEID_SECRET (see deid/reindex.ts):
 *
 *   npm run deid:reindex [-- tenant …]
 *
 * Reads the same environment as the server (server/config.ts). Without
 * tenants: DEFAULT_TENANT and every tenant named in DEID_TENANT_POLICIES.
 * May run while the server runs; prints one JSON line per tenant (no PHI).
 */
import { loadConfig } from '../server/config.js';
import { buildContainer } from '../server/container.js';
import { createLogger } from '../server/logger.js';
import { reindexDeidTerms } from './reindex.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const container = await buildContainer(config, log);
  try {
    const args = process.argv.slice(2).filter((a) => a !== '--');
    const tenants = args.length ? args : [...new Set([config.defaultTenant, ...Object.keys(config.deid.tenantPolicies)])];
    for (const tenant of tenants) {
      const result = await reindexDeidTerms({ index: container.index, blobs: container.blobs, deid: container.deid, maxHeaderBytes: config.maxHeaderBytes }, tenant);
      console.log(JSON.stringify(result));
    }
  } finally {
    await container.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
