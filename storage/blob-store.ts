import type { Readable } from 'node:stream';

/** Byte range, inclusive start, exclusive end (like Buffer.subarray). */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * Where instance bytes live. Keys are produced only by `blobKeys` below, so
 * no client-supplied string ever becomes a path or object key.
 */
export interface BlobStore {
  /** Streams `body` to `key`; visible under `key` only once complete. Returns bytes written. */
  put(key: string, body: Readable): Promise<{ size: number }>;
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size in bytes, or undefined when absent. */
  stat(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  /** Lists keys under a prefix (for orphan clean-up). */
  list(prefix: string): AsyncIterable<string>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SAFE = /^[A-Za-z0-9._-]+$/;

export const blobKeys = {
  /** Instance bytes: random id, so a key never depends on a UID a client sent. */
  instance(tenant: string, id: string): string {
    if (!SAFE.test(tenant) || !SAFE.test(id)) throw new Error('unsafe blob key component');
    // Two-character fan-out keeps folders (and S3 prefixes) small.
    return `${tenant}/instances/${id.slice(0, 2)}/${id}.dcm`;
  },
  thumbnail(instanceKey: string): string {
    return instanceKey.replace(/\.dcm$/, '') + '_thumb.png';
  },
  /** The instance's DICOM JSON metadata, cached by WADO-RS (dicomweb/wado/metadata-cache.ts). */
  metadata(instanceKey: string): string {
    return instanceKey.replace(/\.dcm$/, '') + '_meta.json';
  },
  /** Everything cached beside an instance, deleted with it. */
  derived(instanceKey: string): string[] {
    return [blobKeys.thumbnail(instanceKey), blobKeys.metadata(instanceKey)];
  },
};
