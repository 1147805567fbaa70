import { createHash } from 'node:crypto';
import type { BlobStore } from '../../../storage/blob-store.js';
import type { IndexStore } from '../../../storage/index-store.js';
import type { InstanceRecord } from '../../../storage/model.js';

/**
 * Checks an index and a blob store against each other, as a crash or an
 * outage might have left them: every index entry's blob is there with the
 * size (and, when asked, the SHA-256) the index records, and every instance
 * blob is either referenced by the index or still pending (a store that was
 * interrupted, which recovery deletes at the next start).
 */
export interface Audit {
  records: Map<string, InstanceRecord>;
  /** Index entries whose blob is missing or differs. */
  broken: string[];
  /** Instance blobs neither indexed nor pending: they would never be cleaned up. */
  strays: string[];
  /** Instance blobs not indexed but pending (left for recovery). */
  pendingBlobs: number;
  pending: number;
}

export async function auditStores(
  index: IndexStore, blobs: BlobStore, tenant: string, hashSops: (sop: string) => boolean = () => true,
): Promise<Audit> {
  const records = new Map<string, InstanceRecord>();
  for (let offset = 0; ; offset += 1000) {
    const page = await index.query({ tenant, level: 'instance', conditions: [], limit: 1000, offset });
    for (const r of page.records as InstanceRecord[]) records.set(r.sopUid, r);
    if (!page.more) break;
  }
  const broken: string[] = [];
  const referenced = new Set<string>();
  for (const r of records.values()) {
    referenced.add(r.blobKey);
    const size = await blobs.stat(r.blobKey);
    if (size === undefined) broken.push(`${r.sopUid}: blob ${r.blobKey} is missing`);
    else if (size !== r.size) broken.push(`${r.sopUid}: blob has ${size} bytes, index says ${r.size}`);
    else if (hashSops(r.sopUid) && (await sha256Of(blobs, r.blobKey)) !== r.sha256) broken.push(`${r.sopUid}: blob bytes differ from the index's SHA-256`);
  }
  const pendingKeys = new Set((await index.listPending('9999')).map((p) => p.blobKey));
  const strays: string[] = [];
  let pendingBlobs = 0;
  for await (const key of blobs.list(`${tenant}/instances/`)) {
    if (!key.endsWith('.dcm') || referenced.has(key)) continue;
    if (pendingKeys.has(key)) pendingBlobs++;
    else strays.push(key);
  }
  return { records, broken, strays, pendingBlobs, pending: pendingKeys.size };
}

export async function sha256Of(blobs: BlobStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await blobs.get(key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
