import type { BlobStore } from '../../storage/blob-store.js';
import type { RangeReader } from '../../dicom/encapsulated.js';

/** A ranged reader over one blob: each call is one ranged GET (a file read or one S3 request). */
export function blobReader(blobs: BlobStore, key: string, size: number): RangeReader {
  return async (start, end) => {
    const e = Math.min(end, size);
    if (e <= start) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const c of await blobs.get(key, { start, end: e })) chunks.push(c as Buffer);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  };
}

/** Reads a whole small blob (cached JSON, thumbnails), or undefined when absent. */
export async function readSmallBlob(blobs: BlobStore, key: string): Promise<Buffer | undefined> {
  const size = await blobs.stat(key);
  if (size === undefined) return undefined;
  try {
    const chunks: Buffer[] = [];
    // Ranged to its size: an open-ended file read allocates a whole 1 MiB buffer for a few KiB.
    for await (const c of await blobs.get(key, { start: 0, end: size })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } catch {
    return undefined; // deleted between stat and get: treat as absent
  }
}
