import type { BlobStore } from '../../storage/blob-store.js';
import type { IndexStore } from '../../storage/index-store.js';

/**
 * After a crash: a pending blob whose instance was committed only needs its
 * pending entry dropped (and its study recounted, in case the crash fell
 * between the index writes); one that was never committed is deleted.
 * Only entries older than `before` are touched, so live stores are left alone.
 */
export async function recoverPending(index: IndexStore, blobs: BlobStore, before: Date): Promise<{ deleted: number; committed: number }> {
  let deleted = 0;
  let committed = 0;
  for (const p of await index.listPending(before.toISOString())) {
    const studyUid = await index.studyOfBlob(p.tenant, p.blobKey);
    if (studyUid !== undefined) {
      await index.recount(p.tenant, studyUid);
      committed++;
    } else {
      await blobs.delete(p.blobKey);
      deleted++;
    }
    await index.removePending(p.blobKey);
  }
  return { deleted, committed };
}
