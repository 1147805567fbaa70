import type { IngestHooks, StoredInstance } from '../core/store/store-instance.js';
import { computeTerms, type LevelTerms } from '../core/store/search-terms.js';
import type { SearchKeyRegistry } from '../core/query/search-keys.js';
import type { DicomDataset } from '../dicom/dicom-json.js';
import type { AuditSink } from './audit.js';
import type { DeidPolicy } from './config.js';
import { DeidTransform } from './deid-stream.js';
import type { Dataset } from './deidentify-dataset.js';
import type { DeidEngine } from './engine.js';

/**
 * How de-identification plugs into the ingest pipeline (core/store/store-instance.ts):
 * - at-ingest: a DeidTransform in front of everything, so only de-identified
 *   bytes are hashed, parsed and stored: the original never reaches storage;
 * - at-ingest and on-read: search terms of the de-identified instance under
 *   keys prefixed "deid:", so the de-identified view matches on what it
 *   shows (de-identified UIDs, pseudonyms) and never on original values.
 */
export const DEID_TERM_PREFIX = 'deid:';

export interface IngestHookDeps {
  engine: DeidEngine;
  audit: AuditSink;
  searchKeys: SearchKeyRegistry;
  policyOf(tenant: string): DeidPolicy;
  maxHeaderBytes: number;
}

export function deidIngestHooks(deps: IngestHookDeps): IngestHooks {
  return {
    stage(tenant) {
      if (deps.policyOf(tenant) !== 'at-ingest') return undefined;
      const stream = new DeidTransform(deps.engine, tenant, deps.maxHeaderBytes);
      return {
        stream,
        afterCommit: async (stored: StoredInstance) => {
          const o = stream.result;
          if (!o) return;
          await deps.audit.record({
            at: new Date().toISOString(),
            tenant,
            trigger: 'ingest',
            profile: 'PS3.15 E.1 Basic Application Level Confidentiality Profile',
            options: deps.engine.optionNames(),
            attributesChanged: o.attributesChanged,
            privateAttributesRemoved: o.privateAttributesRemoved,
            instanceId: stored.sopUid,
            burnedInAnnotationRisk: o.burnedInAnnotationRisk,
          });
        },
      };
    },
    extraTerms(tenant, header) {
      const policy = deps.policyOf(tenant);
      if (policy === 'off') return undefined;
      // At ingest the stored header is already de-identified (the engine leaves it as it is).
      const deid = deps.engine.deidentify(tenant, header.dataset as Dataset).dataset as DicomDataset;
      return prefixed(computeTerms(deid, deps.searchKeys));
    },
  };
}

function prefixed(terms: LevelTerms): LevelTerms {
  const out: LevelTerms = { study: {}, series: {}, instance: {} };
  for (const level of ['study', 'series', 'instance'] as const) {
    for (const [key, values] of Object.entries(terms[level])) out[level][DEID_TERM_PREFIX + key] = values;
  }
  return out;
}
