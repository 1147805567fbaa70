/**
 * Re-maps stored studies (after a mapping change, a new FHIR_* setting, or a
 * FHIR store restored from an older backup): each study is marked dirty and
 * synced again through FhirSync, so the usual rules hold (durable, one run
 * per study at a time, unchanged resources keep their versions, a changed
 * Bundle is queued for the upstream with retractions of what went away).
 *
 * Studies: those of the index (paged study-level query) plus those the sync
 * has seen (listSyncedStudies: a study whose instances are gone from the
 * index gets its resources removed). Tenants: the ones asked for, else the
 * default tenant and every tenant the sync has seen.
 */
import type { IndexStore } from '../../storage/index-store.js';
import type { DirtyStudies } from '../../storage/fhir-store.js';

export interface ResyncDeps {
  index: Pick<IndexStore, 'query' | 'getStudy'>;
  synced: Pick<DirtyStudies, 'listSyncedStudies'>;
  sync: { resync(tenant: string, studyUids: string[]): Promise<void> };
  defaultTenant: string;
}

export interface ResyncRequest {
  /** Tenants to resync; all known tenants when empty. */
  tenants?: string[];
  /** One study only (in each tenant). */
  studyUid?: string;
}

const PAGE = 1000;

export async function resyncStudies(deps: ResyncDeps, req: ResyncRequest): Promise<{ tenants: string[]; studies: number }> {
  const tenants = req.tenants?.length
    ? [...new Set(req.tenants)]
    : [...new Set([deps.defaultTenant, ...(await deps.synced.listSyncedStudies()).map((s) => s.tenant)])].sort();
  let studies = 0;
  for (const tenant of tenants) {
    const uids = new Set<string>();
    if (req.studyUid) {
      // Only where the study is stored, or has FHIR resources to remove.
      const known = (await deps.index.getStudy(tenant, req.studyUid)) || (await deps.synced.listSyncedStudies(tenant)).some((s) => s.studyUid === req.studyUid);
      if (known) uids.add(req.studyUid);
    } else {
      for (let offset = 0; ; offset += PAGE) {
        const page = await deps.index.query({ tenant, level: 'study', conditions: [], limit: PAGE, offset });
        for (const r of page.records) uids.add(r.studyUid);
        if (!page.more) break;
      }
      for (const s of await deps.synced.listSyncedStudies(tenant)) uids.add(s.studyUid);
    }
    const list = [...uids];
    for (let i = 0; i < list.length; i += PAGE) await deps.sync.resync(tenant, list.slice(i, i + PAGE));
    studies += list.length;
  }
  return { tenants, studies };
}
