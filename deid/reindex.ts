import { blobReader } from '../dicomweb/wado/blob-reader.js';
import { openInstance } from '../dicom/open-instance.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { IndexStore, PrefixedTerms } from '../storage/index-store.js';
import type { StudyRecord } from '../storage/model.js';
import { DEID_TERM_PREFIX } from './ingest-hooks.js';
import type { DeidServices } from './services.js';

/**
 * Re-index of the de-identified view's search terms ("deid:" keys, written at
 * ingest by deid/ingest-hooks.ts) for every instance of a tenant, from the
 * stored bytes, with the tenant's current policy, options and key.
 *
 * Needed whenever what those terms hold changes for instances already stored:
 * - DEID_POLICY off → on-read / at-ingest: instances stored under "off" have
 *   no deid: terms, so the view can neither list nor retrieve them;
 * - DEID_OPTIONS or DEID_SECRET changed: the view shows UIDs, pseudonyms and
 *   dates computed with the new settings but would match on the old ones;
 * - on-read / at-ingest → off: the terms are removed (the view is off).
 * Other search terms (identified QIDO, the upload API's uploader patient id)
 * are left untouched (IndexStore.replacePrefixedTerms). Idempotent: an
 * interrupted run is completed by running it again. Instances stay readable
 * throughout; for a short time per study the view may miss some of them.
 */
export interface ReindexDeps {
  index: IndexStore;
  blobs: BlobStore;
  deid: DeidServices;
  maxHeaderBytes: number;
}

export interface ReindexResult {
  tenant: string;
  policy: string;
  studies: number;
  instances: number;
  /** Instances whose stored bytes could not be read (left as they were); SOP Instance UIDs are not logged (PHI). */
  failed: number;
}

const PAGE = 200;
const EMPTY = { study: {}, series: {}, instance: {} };

export async function reindexDeidTerms(deps: ReindexDeps, tenant: string, onStudy?: (done: number) => void): Promise<ReindexResult> {
  const policy = deps.deid.policyOf(tenant);
  const result: ReindexResult = { tenant, policy, studies: 0, instances: 0, failed: 0 };
  // Studies are listed page by page; the set of studies does not change by re-indexing.
  for (let offset = 0; ; offset += PAGE) {
    const page = await deps.index.query({ tenant, level: 'study', conditions: [], limit: PAGE, offset });
    for (const study of page.records as StudyRecord[]) {
      const updates: PrefixedTerms[] = [];
      for (const rec of await deps.index.findInstances({ tenant, studyUid: study.studyUid })) {
        try {
          let terms = EMPTY;
          if (policy !== 'off') {
            const { header } = await openInstance(blobReader(deps.blobs, rec.blobKey, rec.size), rec.size, {
              maxHeaderBytes: deps.maxHeaderBytes, maxInflatedBytes: 512 * 1024 * 1024,
            });
            terms = { ...EMPTY, ...deps.deid.ingestHooks.extraTerms?.(tenant, header) };
          }
          updates.push({ studyUid: rec.studyUid, sopUid: rec.sopUid, terms });
        } catch {
          result.failed++;
        }
      }
      await deps.index.replacePrefixedTerms(tenant, DEID_TERM_PREFIX, updates);
      result.studies++;
      result.instances += updates.length;
      onStudy?.(result.studies);
    }
    if (!page.more) break;
  }
  return result;
}
