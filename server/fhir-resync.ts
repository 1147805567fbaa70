/**
 * Re-maps stored studies to FHIR after a mapping change (or a new FHIR_*
 * setting), with the server's own configuration (the same environment):
 *
 *   npx tsx server/fhir-resync.ts [--tenant T]... [--study UID]
 *
 * Without --tenant: the default tenant and every tenant the FHIR sync has
 * seen. Runs every sync to completion, then exits; Bundles that changed are
 * left in the outbox (pushed now when FHIR_UPSTREAM_URL is reachable, else by
 * the server once it runs). Run it while the server is stopped (one process
 * per store); on a running server use POST /admin/fhir-resync instead.
 * Prints one JSON line: { tenants, studies, queued }.
 */
import { parseArgs } from 'node:util';
import { isValidUid } from '../dicom/uid.js';
import { loadConfig } from './config.js';
import { buildContainer } from './container.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tenant: { type: 'string', multiple: true }, study: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log('usage: npx tsx server/fhir-resync.ts [--tenant T]... [--study StudyInstanceUID]');
    return;
  }
  if (values.study !== undefined && !isValidUid(values.study)) throw new Error(`--study ${values.study} is not a valid UID`);
  const config = loadConfig();
  const container = await buildContainer(config, createLogger(config.logLevel));
  try {
    const done = await container.fhir.resync({ tenants: values.tenant, studyUid: values.study });
    await container.fhir.sync.idle();
    const status = await container.fhir.pushStatus();
    console.log(JSON.stringify({ ...done, queued: status.queued }));
  } finally {
    await container.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
