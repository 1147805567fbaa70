import { Readable } from 'node:stream';
import { blobKeys, type BlobStore } from '../../storage/blob-store.js';
import type { InstanceRecord } from '../../storage/model.js';
import { readSmallBlob } from './blob-reader.js';
import type { InstanceAccess } from './instance-access.js';
import { instanceMetadata } from './metadata-json.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import type { OpenedInstance } from '../../dicom/open-instance.js';
import type { ParsedHeader } from '../../dicom/parse-header.js';
import { dropImpossibleValues } from '../../dicom/sanitize.js';
import { readTrailing } from '../../dicom/trailing.js';
import { TS } from '../../dicom/transfer-syntax.js';

/**
 * Per-instance metadata JSON, computed once from the blob's header and kept
 * in the blob store next to the instance (<key>_meta.json), so a study's
 * /metadata (which OHIF asks for per series) reads small JSON blobs instead
 * of parsing every header again. The first line records the format version
 * and bulk data threshold; a cache written with another one is rebuilt.
 * In front of the blobs sits an in-process LRU of the JSON text (bounded in
 * bytes, checked against the instance's SHA-256), so a study viewed again
 * costs no blob reads at all: a 50-instance study is 100 file or S3
 * operations otherwise. STOW seeds the LRU with the header it has just
 * parsed (`seed`), so a study viewed after it arrives is not parsed again;
 * the blob is written when an instance's metadata is first served, after
 * the answer.
 */
const VERSION = 2;
/** Bytes of metadata JSON kept in memory (≈2,000 typical CT instances per 16 MB). */
const MEMORY_BYTES = 64 * 1024 * 1024;
/** Cache blob writes in flight at once (see writeBehind). */
const MAX_PENDING_WRITES = 32;

export const metadataKey = blobKeys.metadata;

interface Entry {
  sha256: string;
  json: string;
  onDisk: boolean;
}

export class MetadataCache {
  /**
   * blob key → JSON text, oldest first; `sha256` guards against a blob key
   * reused for other bytes; `onDisk` once the cache blob holds it.
   */
  private readonly memory = new Map<string, Entry>();
  private memoryBytes = 0;
  private readonly writing = new Set<string>();

  constructor(private readonly blobs: BlobStore, private readonly access: InstanceAccess, private readonly threshold: number) {}

  /** The instance's DICOM JSON object as text, with relative bulk data URIs. */
  async get(rec: InstanceRecord): Promise<string> {
    let entry = this.memory.get(rec.blobKey);
    if (entry && entry.sha256 === rec.sha256) {
      this.memory.delete(rec.blobKey); // re-insert: most recently used last
      this.memory.set(rec.blobKey, entry);
    } else {
      entry = { sha256: rec.sha256, ...(await this.load(rec)) };
      this.remember(rec.blobKey, entry);
    }
    // A viewed instance's JSON goes to the blob store, so it outlives an eviction or a restart.
    if (!entry.onDisk) this.writeBehind(rec, entry);
    return entry.json;
  }

  /**
   * Seeds the LRU from the header parsed at ingest: the same JSON `get`
   * would build, without reading the blob back. Only when that header is
   * the whole dataset (no elements can follow Pixel Data): encapsulated,
   * deflated and trailing-element instances are left to `get`.
   */
  seed(rec: Pick<InstanceRecord, 'blobKey' | 'sha256' | 'size'>, h: ParsedHeader): void {
    if (h.transferSyntaxUid === TS.DeflatedLE) return;
    if (h.reachedPixelData && (h.pixelDataLength === undefined || h.pixelDataValueOffset === undefined || h.pixelDataValueOffset + h.pixelDataLength < rec.size)) return;
    // As InstanceAccess.open reads it: values longer than the file dropped.
    const header = { ...h, dataset: dropImpossibleValues(h.dataset, rec.size) };
    this.remember(rec.blobKey, { sha256: rec.sha256, json: JSON.stringify(instanceMetadata(header, this.threshold)), onDisk: false });
  }

  private remember(blobKey: string, entry: Entry): void {
    const old = this.memory.get(blobKey);
    if (old) {
      this.memory.delete(blobKey);
      this.memoryBytes -= old.json.length;
    }
    if (entry.json.length > MEMORY_BYTES / 16) return; // a huge header is not worth a sixteenth of the cache
    this.memory.set(blobKey, entry);
    this.memoryBytes += entry.json.length;
    for (const [key, v] of this.memory) {
      if (this.memoryBytes <= MEMORY_BYTES) break;
      this.memory.delete(key);
      this.memoryBytes -= v.json.length;
    }
  }

  private async load(rec: InstanceRecord): Promise<{ json: string; onDisk: boolean }> {
    const cached = await readSmallBlob(this.blobs, metadataKey(rec.blobKey));
    const prefix = this.prefix(rec);
    if (cached) {
      const text = cached.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl > 0 && text.slice(0, nl) === prefix) return { json: text.slice(nl + 1), onDisk: true };
    }
    const opened = await this.access.open(rec);
    const trailing = await this.trailing(rec, opened);
    const header = { ...opened.header, dataset: { ...opened.header.dataset, ...trailing } };
    return { json: JSON.stringify(instanceMetadata(header, this.threshold)), onDisk: false };
  }

  /**
   * Writes the cache blob after the answer rather than before it (the blob
   * store fsyncs each write). Bounded: during a burst of misses the extra
   * ones stay in memory only and are written on a later hit. A failed
   * write only costs a later miss a re-parse.
   */
  private writeBehind(rec: InstanceRecord, entry: Entry): void {
    const key = metadataKey(rec.blobKey);
    if (this.writing.has(key) || this.writing.size >= MAX_PENDING_WRITES) return;
    this.writing.add(key);
    this.blobs.put(key, Readable.from([Buffer.from(`${this.prefix(rec)}\n${entry.json}`)]))
      .then(() => void (entry.onDisk = true), () => undefined)
      .finally(() => this.writing.delete(key));
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
