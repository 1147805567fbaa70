import { frameBits, frameBytes, type ImageInfo } from './image-info.js';
import {
  framesFromExtendedTable, groupFrames, looksLikeFrameStart, scanEncapsulated, type Fragment, type RangeReader,
} from './encapsulated.js';

/**
 * Where each frame of an instance lies in its file, computed from the header
 * alone so that one frame of a large multi-frame instance is served by
 * reading that frame only (PS3.18 §10.4.1.1.6 Frames).
 */
export type FrameLayout =
  | { kind: 'native'; valueOffset: number; valueLength: number; bitsPerFrame: number; bytesPerFrame: number; frames: number }
  | { kind: 'encapsulated'; frames: Fragment[][] };

export class FrameError extends Error {}

export interface PixelLocation {
  valueOffset: number;
  /** Undefined for encapsulated (undefined-length) Pixel Data. */
  valueLength?: number;
  fileSize: number;
  /** Extended Offset Table and its lengths (7FE0,0001/0002), when the header has them. */
  extendedOffsets?: Buffer;
  extendedLengths?: Buffer;
}

export async function frameLayout(info: ImageInfo, loc: PixelLocation, read: RangeReader): Promise<FrameLayout> {
  if (loc.valueLength !== undefined) return nativeLayout(info, loc);
  if (loc.extendedOffsets && loc.extendedLengths) {
    const scan = await scanEncapsulated(read, loc.valueOffset, loc.fileSize).catch(() => undefined);
    const first = scan?.firstItemOffset ?? loc.valueOffset + 8;
    const frames = framesFromExtendedTable(loc.extendedOffsets, loc.extendedLengths, first);
    if (frames.length === info.numberOfFrames) return { kind: 'encapsulated', frames };
  }
  const table = await scanEncapsulated(read, loc.valueOffset, loc.fileSize);
  const startsFrame = async (f: Fragment) => looksLikeFrameStart(await read(f.offset, f.offset + Math.min(8, f.length)));
  return { kind: 'encapsulated', frames: await groupFrames(table, info.numberOfFrames, startsFrame) };
}

function nativeLayout(info: ImageInfo, loc: PixelLocation): FrameLayout {
  const bitsPerFrame = frameBits(info);
  const needed = Math.ceil((bitsPerFrame * info.numberOfFrames) / 8);
  // Odd-length values are padded to even length (PS3.5 §7.1.1), so one spare byte is normal.
  if (needed > loc.valueLength! + 1) {
    throw new FrameError(`Pixel Data holds ${loc.valueLength} bytes, fewer than the ${needed} that ${info.numberOfFrames} frame(s) of ${info.rows}x${info.columns}x${info.samplesPerPixel} at ${info.bitsAllocated} bits need`);
  }
  if (loc.valueOffset + loc.valueLength! > loc.fileSize) throw new FrameError('Pixel Data runs past the end of the file');
  return { kind: 'native', valueOffset: loc.valueOffset, valueLength: loc.valueLength!, bitsPerFrame, bytesPerFrame: frameBytes(info), frames: info.numberOfFrames };
}

export function frameCount(layout: FrameLayout): number {
  return layout.kind === 'native' ? layout.frames : layout.frames.length;
}

/** The bytes of frame `index` (0-based) as stored: native bytes, or the frame's compressed bitstream. */
export async function readFrame(layout: FrameLayout, index: number, read: RangeReader): Promise<Buffer> {
  if (index < 0 || index >= frameCount(layout)) throw new FrameError(`frame ${index + 1} does not exist`);
  if (layout.kind === 'encapsulated') {
    const parts = await Promise.all(layout.frames[index].map((f) => read(f.offset, f.offset + f.length)));
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
  const firstBit = index * layout.bitsPerFrame;
  const start = layout.valueOffset + Math.floor(firstBit / 8);
  const bytes = await read(start, start + Math.ceil(((firstBit % 8) + layout.bitsPerFrame) / 8));
  const shift = firstBit % 8;
  return shift === 0 ? bytes.subarray(0, layout.bytesPerFrame) : realignBits(bytes, shift, layout.bytesPerFrame);
}

/**
 * Bit-packed frames (Bits Allocated 1, e.g. Segmentation) follow each other
 * without padding (PS3.5 §8.1.1), so a frame may start inside a byte; shift
 * it to start at bit 0 of its first byte, least significant bit first.
 */
function realignBits(bytes: Buffer, shift: number, outLength: number): Buffer {
  const out = Buffer.alloc(outLength);
  for (let i = 0; i < outLength; i++) {
    out[i] = ((bytes[i] >> shift) | ((bytes[i + 1] ?? 0) << (8 - shift))) & 0xff;
  }
  return out;
}

const FLOAT_TAGS = [{ tag: '7FE00008', element: 0x0008, vr: 'OF', bits: 32 }, { tag: '7FE00009', element: 0x0009, vr: 'OD', bits: 64 }] as const;

/**
 * Float Pixel Data (7FE0,0008, OF) or Double Float Pixel Data (7FE0,0009,
 * OD) of an instance without Pixel Data (PS3.3 §C.7.6.24, e.g. Parametric
 * Maps): where the value lies in the file, found by its element header (tag,
 * VR, the length of the value the header parse read), so frames are read
 * like native ones. Little-endian syntaxes only.
 */
export async function floatPixelLocation(
  ds: Record<string, { Value?: unknown[] } | undefined>, read: RangeReader, size: number, implicit: boolean,
): Promise<{ valueOffset: number; valueLength: number; bitsAllocated: 32 | 64 } | undefined> {
  const f = FLOAT_TAGS.find((t) => ds[t.tag]);
  const value = f ? ds[f.tag]?.Value?.[0] : undefined;
  const length = value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? value.byteLength : undefined;
  if (!f || length === undefined) return undefined;
  const head = Buffer.alloc(implicit ? 8 : 12);
  head.writeUInt16LE(0x7fe0, 0);
  head.writeUInt16LE(f.element, 2);
  if (implicit) head.writeUInt32LE(length, 4);
  else {
    head.write(f.vr, 4, 'latin1');
    head.writeUInt32LE(length, 8);
  }
  const at = (await read(0, size)).lastIndexOf(head);
  return at < 0 ? undefined : { valueOffset: at + head.length, valueLength: length, bitsAllocated: f.bits };
}
