import { recoverPending } from '../../core/store/recover-pending.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { Logger } from '../logger.js';

/**
 * Settles stores left pending while the server runs, so an outage needs no
 * restart to be cleaned up: a store that lost its index or blob store half
 * way keeps its blob and pending entry (core/store/store-instance.ts), and
 * this keeps the blob if the instance made it into the index, else deletes
 * it. Only entries older than any request can last are touched, so stores
 * in progress (in this process or another on the same stores) are left alone.
 */
export function startPendingSweep(
  index: IndexStore, blobs: BlobStore, opts: { intervalMs: number; minAgeMs: number }, log: Logger,
): () => void {
  if (opts.intervalMs === 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    recoverPending(index, blobs, new Date(Date.now() - opts.minAgeMs))
      .then((r) => {
        if (r.deleted || r.committed) log.info(r, 'settled interrupted stores');
      })
      .catch((err) => log.warn({ err: { message: (err as Error).message } }, 'pending sweep failed; will retry'))
      .finally(() => (running = false));
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
