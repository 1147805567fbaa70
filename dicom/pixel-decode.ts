import { decodeDeflatedFrame } from './codecs/deflate.js';
import { decodeJpeg } from './codecs/jpeg.js';
import { decodeJpegLs } from './codecs/jpeg-ls.js';
import { decodeHtj2k, decodeJ2k } from './codecs/jpeg2000.js';
import { decodeRle } from './codecs/rle.js';
import { DecodeError, UnsupportedCodecError, interleave, type DecodedFrame, type FrameDecoder } from './codecs/types.js';
import { assertDecodable, DEFAULT_DECODE_LIMIT, type ImageInfo } from './image-info.js';
import type { NamedLimit } from './dataset-limits.js';
import { TS, codecOf, isEncapsulated, type Codec } from './transfer-syntax.js';

export { DecodeError, UnsupportedCodecError, type DecodedFrame } from './codecs/types.js';

const DECODERS: Record<Codec, FrameDecoder> = {
  jpeg: decodeJpeg,
  'jpeg-lossless': decodeJpeg,
  'jpeg-ls': decodeJpegLs,
  j2k: decodeJ2k,
  htj2k: decodeHtj2k,
  rle: decodeRle,
  deflate: decodeDeflatedFrame,
};

/** True when frames of this syntax can be turned into native pixels here. */
export function canDecode(tsUid: string): boolean {
  return !isEncapsulated(tsUid) || codecOf(tsUid) !== undefined;
}

/**
 * Turns one frame as stored (see frames.ts) into native little-endian,
 * colour-by-pixel samples of the header's Bits Allocated, whatever the
 * transfer syntax. Throws UnsupportedCodecError for syntaxes without a decoder.
 */
export async function decodeFrame(tsUid: string, bytes: Buffer, info: ImageInfo, limit: NamedLimit = DEFAULT_DECODE_LIMIT): Promise<DecodedFrame> {
  assertDecodable(info, limit);
  let frame: DecodedFrame;
  if (!isEncapsulated(tsUid)) {
    frame = nativeFrame(tsUid === TS.ExplicitBE ? swapBytes(bytes, info.bitsAllocated) : bytes, info);
  } else {
    const codec = codecOf(tsUid);
    if (!codec) throw new UnsupportedCodecError(`frames in transfer syntax ${tsUid} cannot be decoded by this server`);
    frame = await DECODERS[codec](bytes, info);
  }
  return fitBits(frame, info);
}

function nativeFrame(bytes: Buffer, info: ImageInfo): DecodedFrame {
  const base = { bitsAllocated: info.bitsAllocated as DecodedFrame['bitsAllocated'], samplesPerPixel: info.samplesPerPixel, photometric: info.photometric };
  if (info.photometric === 'YBR_FULL_422' && info.samplesPerPixel === 3 && info.bitsAllocated === 8) {
    return { ...base, pixels: upsample422(bytes, info), photometric: 'YBR_FULL' };
  }
  if (info.samplesPerPixel > 1 && info.planarConfiguration === 1) {
    return { ...base, pixels: interleave(bytes, info.rows * info.columns, info.samplesPerPixel, Math.max(1, info.bitsAllocated / 8)) };
  }
  return { ...base, pixels: bytes };
}

/** Decoders give 8 or 16-bit samples; the header's Bits Allocated decides what the frame must hold. */
function fitBits(f: DecodedFrame, info: ImageInfo): DecodedFrame {
  if (f.bitsAllocated === info.bitsAllocated || info.bitsAllocated === 1) return f;
  if (f.bitsAllocated === 8 && info.bitsAllocated === 16) {
    const out = Buffer.alloc(f.pixels.length * 2);
    for (let i = 0; i < f.pixels.length; i++) out.writeUInt16LE(f.pixels[i], i * 2);
    return { ...f, pixels: out, bitsAllocated: 16 };
  }
  if (f.bitsAllocated === 16 && info.bitsAllocated === 8) {
    const out = Buffer.alloc(f.pixels.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = f.pixels.readUInt16LE(i * 2) & 0xff;
    return { ...f, pixels: out, bitsAllocated: 8 };
  }
  throw new DecodeError(`decoded ${f.bitsAllocated}-bit samples do not fit Bits Allocated ${info.bitsAllocated}`);
}

/** Explicit VR Big Endian (retired, PS3.5 §A.3): OW words are stored most significant byte first. */
function swapBytes(bytes: Buffer, bitsAllocated: number): Buffer {
  const copy = Buffer.from(bytes);
  if (bitsAllocated === 16) copy.subarray(0, copy.length - (copy.length % 2)).swap16();
  if (bitsAllocated === 32) copy.subarray(0, copy.length - (copy.length % 4)).swap32();
  return copy;
}

/** Y1 Y2 Cb Cr per pixel pair becomes Y Cb Cr per pixel (PS3.3 §C.7.6.3.1.2). */
function upsample422(b: Buffer, info: ImageInfo): Buffer {
  const pixels = info.rows * info.columns;
  const out = Buffer.alloc(pixels * 3);
  for (let p = 0, src = 0; p + 1 < pixels + 1 && src + 3 < b.length; p += 2, src += 4) {
    out[p * 3] = b[src];
    out[p * 3 + 1] = b[src + 2];
    out[p * 3 + 2] = b[src + 3];
    if (p + 1 < pixels) {
      out[p * 3 + 3] = b[src + 1];
      out[p * 3 + 4] = b[src + 2];
      out[p * 3 + 5] = b[src + 3];
    }
  }
  return out;
}
