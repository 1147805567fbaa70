import { binaryOf } from '../../dicom/binary.js';
import { frameLayout, type FrameLayout } from '../../dicom/frames.js';
import { DEFAULT_DECODE_LIMIT, imageInfo, ImageInfoError, type ImageInfo } from '../../dicom/image-info.js';
import type { NamedLimit } from '../../dicom/dataset-limits.js';
import { openInstance, type OpenedInstance, type OpenLimits } from '../../dicom/open-instance.js';
import type { RangeReader } from '../../dicom/encapsulated.js';
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
   * The parsed header, kept when it is small (what rendering needs: window,
   * rescale, functional groups); undefined for large headers, which are then
   * read again per use rather than held in the LRU.
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
      this.lru.set(rec.blobKey, entry);
      entry.catch(() => this.lru.delete(rec.blobKey));
      if (this.lru.size > LRU_SIZE) this.lru.delete(this.lru.keys().next().value!);
    }
    const view = await entry;
    // Deflated instances are read from their inflated form, which the LRU does not keep.
    const read = view.reencoded ? (await this.open(rec)).read : blobReader(this.blobs, rec.blobKey, rec.size);
    return { ...view, read };
  }

  private async load(rec: InstanceRecord): Promise<Omit<PixelView, 'read'>> {
    const opened = await this.open(rec);
    const h = opened.header;
    let info: ImageInfo | undefined;
    try {
      info = imageInfo(h.dataset);
    } catch (err) {
      if (err instanceof ImageInfoError) throw new AppError('not-acceptable', `the instance's image attributes are invalid: ${err.message}`);
      throw err;
    }
    if (!info || !h.reachedPixelData || h.pixelDataValueOffset === undefined) {
      throw new AppError('not-acceptable', `instance ${rec.sopUid} (SOP Class ${rec.sopClassUid}) has no Pixel Data: it has no frames or rendered images`);
    }
    try {
      const layout = await frameLayout(info, {
        valueOffset: h.pixelDataValueOffset, valueLength: h.pixelDataLength, fileSize: opened.size,
        extendedOffsets: binary(h.dataset['7FE00001']?.Value?.[0]), extendedLengths: binary(h.dataset['7FE00002']?.Value?.[0]),
      }, opened.read);
      const dataset = h.pixelDataValueOffset <= KEEP_HEADER_BYTES ? h.dataset : undefined;
      const decodeLimit = this.limits.decodeFrameSamples ?? DEFAULT_DECODE_LIMIT;
      return { tsUid: h.transferSyntaxUid, reencoded: opened.reencoded, info, decodeLimit, layout, dataset };
    } catch (err) {
      throw new AppError('not-acceptable', `the instance's Pixel Data cannot be split into frames: ${(err as Error).message}`);
    }
  }
}

const binary = binaryOf;
