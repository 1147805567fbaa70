import { binaryOf } from '../../dicom/binary.js';
import { floatPixelLocation, frameLayout, type FrameLayout } from '../../dicom/frames.js';
import { DEFAULT_DECODE_LIMIT, imageInfo, ImageInfoError, type ImageInfo } from '../../dicom/image-info.js';
import type { NamedLimit } from '../../dicom/dataset-limits.js';
import { openInstance, type OpenedInstance, type OpenLimits } from '../../dicom/open-instance.js';
import type { RangeReader } from '../../dicom/encapsulated.js';
import type { ParsedHeader } from '../../dicom/parse-header.js';
import { dropImpossibleValues } from '../../dicom/sanitize.js';
import { TS } from '../../dicom/transfer-syntax.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { AppError } from '../../storage/errors.js';
import type { InstanceRecord } from '../../storage/model.js';
import { blobReader } from './blob-reader.js';

/**
 * Opens stored instances for frame and pixel access. What a frame lookup
 * needs (syntax, image description, frame positions) is kept in a small
 * in-process LRU keyed by blob key, so a viewer scrolling through a series
 * reads each header once, not once per frame.
 */
export interface PixelView {
  tsUid: string;
  /** Frames are read from an in-memory re-encoding (deflated instances). */
  reencoded: boolean;
  info: ImageInfo;
  /** The most samples one decode of this server may produce (DECODE_MAX_FRAME_SAMPLES). */
  decodeLimit: NamedLimit;
  layout: FrameLayout;
  read: RangeReader;
  /**
   * What rendering reads of the header (renderAttributes), kept when the
   * header is small; undefined for large headers, which are then read again
   * per use rather than held in the LRU.
   */
  dataset?: DicomDataset;
}

const LRU_SIZE = 2000;
/** Headers up to this size stay in the LRU with their view (≈2,000 × a few KiB for CT and MR series). */
const KEEP_HEADER_BYTES = 64 * 1024;

export class InstanceAccess {
  private readonly lru = new Map<string, Promise<Omit<PixelView, 'read'>>>();

  constructor(private readonly blobs: BlobStore, private readonly limits: OpenLimits & { decodeFrameSamples?: NamedLimit }) {}

  /** Header and a ranged reader (over the re-encoded bytes for deflated instances). */
  async open(rec: InstanceRecord): Promise<OpenedInstance> {
    try {
      return await openInstance(blobReader(this.blobs, rec.blobKey, rec.size), rec.size, this.limits);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('not-acceptable', `the stored instance cannot be read: ${(err as Error).message}`);
    }
  }

  /** The pixel view of an image instance; 406 for instances without (readable) Pixel Data. */
  async pixels(rec: InstanceRecord): Promise<PixelView> {
    let entry = this.lru.get(rec.blobKey);
    if (!entry) {
      entry = this.load(rec);
      this.remember(rec.blobKey, entry);
      entry.catch(() => this.lru.delete(rec.blobKey));
    }
    const view = await entry;
    // Deflated instances are read from their inflated form, which the LRU does not keep.
    const read = view.reencoded ? (await this.open(rec)).read : blobReader(this.blobs, rec.blobKey, rec.size);
    return { ...view, read };
  }

  /**
   * Seeds the LRU from the header parsed at ingest, so the first frame or
   * rendered request of a new instance does not parse it again. Native,
   * not deflated instances only (their frame layout needs no read); any
   * other, or one whose attributes do not describe its pixels, is left to
   * `pixels`, which reports why.
   */
  seed(rec: Pick<InstanceRecord, 'blobKey' | 'size' | 'sopUid' | 'sopClassUid'>, h: ParsedHeader): void {
    if (this.lru.has(rec.blobKey) || h.transferSyntaxUid === TS.DeflatedLE || h.pixelDataLength === undefined) return;
    const opened: OpenedInstance = {
      header: { ...h, dataset: dropImpossibleValues(h.dataset, rec.size) }, size: rec.size, reencoded: false,
      read: () => Promise.reject(new Error('a native frame layout reads nothing')),
    };
    const view = this.describe(rec, opened);
    view.catch(() => this.lru.delete(rec.blobKey));
    this.remember(rec.blobKey, view);
  }

  private remember(key: string, entry: Promise<Omit<PixelView, 'read'>>): void {
    this.lru.set(key, entry);
    if (this.lru.size > LRU_SIZE) this.lru.delete(this.lru.keys().next().value!);
  }

  private async load(rec: InstanceRecord): Promise<Omit<PixelView, 'read'>> {
    return this.describe(rec, await this.open(rec));
  }

  /** What the LRU keeps of an opened instance. */
  private async describe(rec: Pick<InstanceRecord, 'sopUid' | 'sopClassUid'>, opened: OpenedInstance): Promise<Omit<PixelView, 'read'>> {
    let h = opened.header;
    let info: ImageInfo | undefined;
    try {
      info = imageInfo(h.dataset);
    } catch (err) {
      if (err instanceof ImageInfoError) throw new AppError('not-acceptable', `the instance's image attributes are invalid: ${err.message}`);
      throw err;
    }
    // Float / Double Float Pixel Data: frames of 32 or 64-bit IEEE samples (see floatPixelLocation).
    const float = info && !h.reachedPixelData ? await floatPixelLocation(h.dataset, opened.read, opened.size, h.transferSyntaxUid === '1.2.840.10008.1.2') : undefined;
    if (info && float) {
      info = { ...info, bitsAllocated: float.bitsAllocated, bitsStored: float.bitsAllocated, float: true };
      h = { ...h, reachedPixelData: true, pixelDataValueOffset: float.valueOffset, pixelDataLength: float.valueLength };
    }
    if (!info || !h.reachedPixelData || h.pixelDataValueOffset === undefined) {
      throw new AppError('not-acceptable', `instance ${rec.sopUid} (SOP Class ${rec.sopClassUid}) has no Pixel Data: it has no frames or rendered images`);
    }
    try {
      const layout = await frameLayout(info, {
        valueOffset: h.pixelDataValueOffset, valueLength: h.pixelDataLength, fileSize: opened.size,
        extendedOffsets: binary(h.dataset['7FE00001']?.Value?.[0]), extendedLengths: binary(h.dataset['7FE00002']?.Value?.[0]),
      }, opened.read);
      const dataset = h.pixelDataValueOffset <= KEEP_HEADER_BYTES ? renderAttributes(h.dataset) : undefined;
      const decodeLimit = this.limits.decodeFrameSamples ?? DEFAULT_DECODE_LIMIT;
      return { tsUid: h.transferSyntaxUid, reencoded: opened.reencoded, info, decodeLimit, layout, dataset };
    } catch (err) {
      throw new AppError('not-acceptable', `the instance's Pixel Data cannot be split into frames: ${(err as Error).message}`);
    }
  }
}

const binary = binaryOf;

/**
 * The attributes dicom/render reads: Image Pixel, Modality and VOI LUT, and
 * palette (group 0028) and the functional groups (PS3.3 §C.7.6.16) that
 * carry them per frame. The whole header of 2,000 instances would make
 * every full garbage collection mark tens of MB more.
 */
function renderAttributes(ds: DicomDataset): DicomDataset {
  const out: DicomDataset = {};
  for (const tag in ds) if (tag.startsWith('0028') || tag === '52009229' || tag === '52009230') out[tag] = ds[tag];
  return out;
}
