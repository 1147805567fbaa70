import { blobKeys, type BlobStore } from '../../storage/blob-store.js';
import type { IndexStore, InstanceScope } from '../../storage/index-store.js';
import type { InstanceRecord } from '../../storage/model.js';

/**
 * Deletes instances so that, from a client's point of view, it is atomic:
 * the index entries go first (a search never returns what can no longer be
 * retrieved), then the blobs and everything cached beside them. The blob
 * keys are recorded as pending before, so a crash in between leaves orphans
 * that recoverPending deletes at the next start.
 */
export async function deleteInstances(index: IndexStore, blobs: BlobStore, scope: InstanceScope, now = new Date()): Promise<InstanceRecord[]> {
  const targets = await index.findInstances(scope);
  if (targets.length === 0) return [];
  for (const t of targets) await index.addPending({ tenant: t.tenant, blobKey: t.blobKey, startedAt: now.toISOString() });
  const removed = await index.deleteInstances(scope);
  for (const r of removed) {
    for (const key of [r.blobKey, ...blobKeys.derived(r.blobKey)]) await blobs.delete(key);
    await index.removePending(r.blobKey);
  }
  // Targets not removed (stored again meanwhile under the same keys) keep their blobs.
  for (const t of targets) if (!removed.some((r) => r.blobKey === t.blobKey)) await index.removePending(t.blobKey);
  return removed;
}
