import type { NamedLimit } from './dataset-limits.js';
import { firstNumber, firstString, type DicomDataset } from './dicom-json.js';

/**
 * The Image Pixel Module (PS3.3 §C.7.6.3) of an instance, read from its
 * header and checked before any buffer is sized from it: declared sizes come
 * from the file, and a broken file must never make the server allocate
 * gigabytes (corpus broken/oob-monochrome-65535.dcm declares 65535x65535).
 */
export interface ImageInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  photometric: string;
  planarConfiguration: number;
  numberOfFrames: number;
  /** Float Pixel Data / Double Float Pixel Data instead of Pixel Data. */
  float?: boolean;
}

export class ImageInfoError extends Error {}

/**
 * Samples one decode may produce (rows x columns x samples of one frame), so a
 * header claiming a huge frame cannot make a codec allocate gigabytes (a
 * decompression bomb). Default 64 Mi, e.g. 8192x8192 grey; configurable as
 * DECODE_MAX_FRAME_SAMPLES.
 */
export const DEFAULT_DECODE_LIMIT: NamedLimit = { name: 'DECODE_MAX_FRAME_SAMPLES', max: 64 * 1024 * 1024 };

/** The image description, or undefined when the dataset has no pixel attributes (SR, PDF, …). */
export function imageInfo(ds: DicomDataset): ImageInfo | undefined {
  const rows = firstNumber(ds, '00280010');
  const columns = firstNumber(ds, '00280011');
  const bitsAllocated = firstNumber(ds, '00280100');
  if (rows === undefined || columns === undefined || bitsAllocated === undefined) return undefined;
  const bitsStored = firstNumber(ds, '00280101') ?? bitsAllocated;
  const info: ImageInfo = {
    rows,
    columns,
    samplesPerPixel: firstNumber(ds, '00280002') ?? 1,
    bitsAllocated,
    bitsStored,
    highBit: firstNumber(ds, '00280102') ?? bitsStored - 1,
    pixelRepresentation: firstNumber(ds, '00280103') ?? 0,
    photometric: (firstString(ds, '00280004') ?? 'MONOCHROME2').toUpperCase(),
    planarConfiguration: firstNumber(ds, '00280006') ?? 0,
    numberOfFrames: Math.max(1, Math.trunc(firstNumber(ds, '00280008') ?? 1)),
  };
  validate(info);
  return info;
}

function validate(i: ImageInfo): void {
  const fail = (m: string) => {
    throw new ImageInfoError(m);
  };
  if (!(i.rows > 0 && i.columns > 0)) fail(`Rows x Columns ${i.rows}x${i.columns} is not a valid image size`);
  if (![1, 8, 16, 32, 64].includes(i.bitsAllocated)) fail(`Bits Allocated ${i.bitsAllocated} is not supported`);
  if (!(i.bitsStored >= 1 && i.bitsStored <= i.bitsAllocated)) fail(`Bits Stored ${i.bitsStored} does not fit Bits Allocated ${i.bitsAllocated}`);
  if (![1, 3, 4].includes(i.samplesPerPixel)) fail(`Samples per Pixel ${i.samplesPerPixel} is not supported`);
}

/** Throws before a frame is decoded or rendered into memory when it is too large to do so safely. */
export function assertDecodable(i: ImageInfo, limit: NamedLimit = DEFAULT_DECODE_LIMIT): void {
  if (i.rows * i.columns * i.samplesPerPixel > limit.max) {
    throw new ImageInfoError(`${limit.name}=${limit.max} exceeded: a ${i.rows}x${i.columns}x${i.samplesPerPixel} frame is larger than this server decodes`);
  }
}

/**
 * Bits of one native frame; bit-packed (Bits Allocated 1) frames may end
 * inside a byte. Native YBR_FULL_422 stores two samples per pixel on average
 * (Y Y Cb Cr for each pair of pixels, PS3.3 §C.7.6.3.1.2).
 */
export function frameBits(i: ImageInfo): number {
  const samples = i.photometric === 'YBR_FULL_422' && i.samplesPerPixel === 3 ? 2 : i.samplesPerPixel;
  return i.rows * i.columns * samples * i.bitsAllocated;
}

export function frameBytes(i: ImageInfo): number {
  return Math.ceil(frameBits(i) / 8);
}

/** True for a photometric interpretation rendered in grey levels. */
export function isMonochrome(i: ImageInfo): boolean {
  return i.photometric === 'MONOCHROME1' || i.photometric === 'MONOCHROME2';
}
