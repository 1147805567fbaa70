import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IngestHooks } from '../core/store/store-instance.js';
import type { SearchKeyRegistry } from '../core/query/search-keys.js';
import { JsonlAuditSink, MemoryAuditSink, type AuditSink } from './audit.js';
import type { DeidConfig, DeidPolicy } from './config.js';
import { DeidEngine } from './engine.js';
import { deidIngestHooks } from './ingest-hooks.js';

/** De-identification as the container wires it: engine, per-tenant policy, audit sink, ingest hooks. */
export interface DeidServices {
  config: DeidConfig;
  engine: DeidEngine;
  audit: AuditSink;
  policyOf(tenant: string): DeidPolicy;
  ingestHooks: IngestHooks;
  close(): Promise<void>;
}

export async function buildDeidServices(
  config: DeidConfig, deps: { searchKeys: SearchKeyRegistry; maxHeaderBytes: number; audit?: AuditSink },
): Promise<DeidServices> {
  const engine = new DeidEngine(await loadSecret(config), config.options);
  const audit = deps.audit ?? (config.audit.kind === 'jsonl' ? new JsonlAuditSink(config.audit.file) : new MemoryAuditSink(false));
  const policyOf = (tenant: string): DeidPolicy => config.tenantPolicies[tenant] ?? config.policy;
  return {
    config, engine, audit, policyOf,
    ingestHooks: deidIngestHooks({ engine, audit, searchKeys: deps.searchKeys, policyOf, maxHeaderBytes: deps.maxHeaderBytes }),
    close: () => audit.close(),
  };
}

/**
 * DEID_SECRET, or a random 256-bit key created once in DATA_DIR (mode 0600).
 * Losing it changes every de-identified UID and pseudonym; back it up with the data.
 */
async function loadSecret(config: DeidConfig): Promise<Buffer> {
  if (config.secret) return Buffer.from(config.secret, 'utf8');
  try {
    return Buffer.from((await readFile(config.secretFile, 'utf8')).trim(), 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  await mkdir(dirname(config.secretFile), { recursive: true });
  try {
    await writeFile(config.secretFile, key.toString('hex'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from((await readFile(config.secretFile, 'utf8')).trim(), 'hex');
    throw err;
  }
}
