import { Readable } from 'node:stream';
import { blobKeys, type BlobStore } from '../../storage/blob-store.js';
import type { InstanceRecord } from '../../storage/model.js';
import { readSmallBlob } from './blob-reader.js';
import type { InstanceAccess } from './instance-access.js';
import { instanceMetadata } from './metadata-json.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import type { OpenedInstance } from '../../dicom/open-instance.js';
import { readTrailing } from '../../dicom/trailing.js';

/**
 * Per-instance metadata JSON, computed once from the blob's header and kept
 * in the blob store next to the instance (<key>_meta.json), so a study's
 * /metadata (which OHIF asks for per series) reads small JSON blobs instead
 * of parsing every header again. The first line records the format version
 * and bulk data threshold; a cache written with another one is rebuilt.
 * In front of the blobs sits an in-process LRU of the JSON text (bounded in
 * bytes, checked against the instance's SHA-256), so a study viewed again
 * costs no blob reads at all: a 50-instance study is 100 file or S3
 * operations otherwise.
 */
const VERSION = 2;
/** Bytes of metadata JSON kept in memory (≈2,000 typical CT instances per 16 MB). */
const MEMORY_BYTES = 64 * 1024 * 1024;

export const metadataKey = blobKeys.metadata;

export class MetadataCache {
  /** blob key → JSON text, oldest first; `sha256` guards against a blob key reused for other bytes. */
  private readonly memory = new Map<string, { sha256: string; json: string }>();
  private memoryBytes = 0;

  constructor(private readonly blobs: BlobStore, private readonly access: InstanceAccess, private readonly threshold: number) {}

  /** The instance's DICOM JSON object as text, with relative bulk data URIs. */
  async get(rec: InstanceRecord): Promise<string> {
    const hit = this.memory.get(rec.blobKey);
    if (hit && hit.sha256 === rec.sha256) {
      this.memory.delete(rec.blobKey); // re-insert: most recently used last
      this.memory.set(rec.blobKey, hit);
      return hit.json;
    }
    const json = await this.load(rec);
    this.remember(rec, json);
    return json;
  }

  private remember(rec: InstanceRecord, json: string): void {
    const old = this.memory.get(rec.blobKey);
    if (old) {
      this.memory.delete(rec.blobKey);
      this.memoryBytes -= old.json.length;
    }
    if (json.length > MEMORY_BYTES / 16) return; // a huge header is not worth a sixteenth of the cache
    this.memory.set(rec.blobKey, { sha256: rec.sha256, json });
    this.memoryBytes += json.length;
    for (const [key, v] of this.memory) {
      if (this.memoryBytes <= MEMORY_BYTES) break;
      this.memory.delete(key);
      this.memoryBytes -= v.json.length;
    }
  }

  private async load(rec: InstanceRecord): Promise<string> {
    const key = metadataKey(rec.blobKey);
    const cached = await readSmallBlob(this.blobs, key);
    const prefix = this.prefix(rec);
    if (cached) {
      const text = cached.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl > 0 && text.slice(0, nl) === prefix) return text.slice(nl + 1);
    }
    const opened = await this.access.open(rec);
    const trailing = await this.trailing(rec, opened);
    const header = { ...opened.header, dataset: { ...opened.header.dataset, ...trailing } };
    const json = JSON.stringify(instanceMetadata(header, this.threshold));
    // A failed cache write only costs the next request a re-parse.
    await this.blobs.put(key, Readable.from([Buffer.from(`${prefix}\n${json}`)])).catch(() => undefined);
    return json;
  }

  /** Elements after Pixel Data; its end comes from the frame layout (native length or last fragment). */
  private async trailing(rec: InstanceRecord, opened: OpenedInstance): Promise<DicomDataset> {
    const h = opened.header;
    if (!h.reachedPixelData || h.pixelDataValueOffset === undefined) return {};
    let end: number;
    if (h.pixelDataLength !== undefined) end = h.pixelDataValueOffset + h.pixelDataLength;
    else {
      const view = await this.access.pixels(rec).catch(() => undefined);
      const last = view?.layout.kind === 'encapsulated' ? view.layout.frames.at(-1)?.at(-1) : undefined;
      if (!last) return {};
      end = last.offset + last.length + 8; // the Sequence Delimitation Item
    }
    return readTrailing(opened.read, opened.size, end);
  }

  private prefix(rec: InstanceRecord): string {
    return JSON.stringify({ v: VERSION, threshold: this.threshold, sha256: rec.sha256 });
  }
}
