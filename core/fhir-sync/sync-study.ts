/**
 * One study's FHIR sync: load its instances, map them (mappings/index.ts),
 * make the result the study's resource set in the local store, and enqueue
 * the transaction Bundle for the upstream server when one is configured.
 * Idempotent: running it twice leaves the same state (same ids, no new
 * versions, no second Bundle), so a crash at any point is repaired by a re-run.
 */
import { createHash } from 'node:crypto';
import { bundleResources } from '../../fhir/bundle-resources.js';
import type { FhirRepository } from '../../fhir/repository.js';
import { toSummaryBinary } from '../../fhir/summary.js';
import type { DicomDataset } from '../../mappings/dicom-json.js';
import { mapStudy } from '../../mappings/index.js';
import type { DirtyStudies, FhirOutbox, ReplaceSummary } from '../../storage/fhir-store.js';
import { type FhirMappingSettings, mappingContextFor } from './mapping-context.js';
import { type PushBundle, type UpstreamDeleteMode, withRetractions } from './tombstones.js';

export interface SyncStudyDeps {
  repo: FhirRepository;
  /** Present when FHIR_UPSTREAM_URL is set. */
  outbox?: Pick<FhirOutbox, 'enqueue'> & Pick<DirtyStudies, 'enqueuedHash' | 'setEnqueuedHash' | 'enqueuedBundle'>;
  /** How resources a study no longer has are retracted upstream (tombstones.ts); default `status`. */
  deleteMode?: UpstreamDeleteMode;
  load(tenant: string, studyUid: string): Promise<DicomDataset[]>;
  mapping: FhirMappingSettings;
  now(): Date;
}

export interface SyncOutcome {
  resources: ReplaceSummary;
  enqueued: boolean;
  instances: number;
  /** Mapping issue codes (never values: they can hold patient data). */
  warnings: string[];
  errors: string[];
}

export async function syncStudy(deps: SyncStudyDeps, tenant: string, studyUid: string): Promise<SyncOutcome> {
  const datasets = await deps.load(tenant, studyUid);
  const now = deps.now();
  const mapped = datasets.length > 0 ? mapStudy(datasets, mappingContextFor(deps.mapping, datasets, now)) : undefined;
  const bundle = mapped?.bundle;
  const resources = bundle ? bundleResources(bundle) : [];
  const study = resources.find((r) => r.resourceType === 'ImagingStudy');
  if (study && mapped) resources.push(toSummaryBinary(study.id, mapped.summaryText));
  const summary = await deps.repo.replaceStudy(tenant, studyUid, resources);

  let enqueued = false;
  if (deps.outbox) {
    // The study as mapped now, plus retractions of what the last Bundle had and this one has not (spec 10.4).
    const previous = await deps.outbox.enqueuedBundle(tenant, studyUid);
    const push = withRetractions(previous ? (JSON.parse(previous) as PushBundle) : undefined, bundle, deps.deleteMode ?? 'status');
    const payload = push ? JSON.stringify(push) : undefined;
    const hash = payload ? createHash('sha256').update(payload).digest('hex') : undefined;
    // The Bundle is a pure function of the study and the last one: an unchanged one was already enqueued (and maybe sent).
    if (payload && hash && (await deps.outbox.enqueuedHash(tenant, studyUid)) !== hash) {
      await deps.outbox.enqueue({ tenant, studyUid, payload }, now.toISOString());
      await deps.outbox.setEnqueuedHash(tenant, studyUid, hash, payload);
      enqueued = true;
    }
  }
  return {
    resources: summary,
    enqueued,
    instances: datasets.length,
    warnings: [...new Set(mapped?.warnings.map((w) => w.code) ?? [])],
    errors: [...new Set(mapped?.errors.map((e) => e.code) ?? [])],
  };
}
