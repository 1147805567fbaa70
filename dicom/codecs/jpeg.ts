import { Decoder } from 'jpeg-lossless-decoder-js';
import jpegJs from 'jpeg-js';
import type { ImageInfo } from '../image-info.js';
import { decodeJpeg12 } from './jpeg12.js';
import { DecodeError, afterColourTransform, type DecodedFrame } from './types.js';
import { runWasmDecoder, wasmCodec } from './wasm.js';

/**
 * JPEG (PS3.5 §A.4.1). The process comes from the frame's SOF marker, not
 * the transfer syntax (real files label baseline frames as lossless):
 * lossless (SOF3) goes to jpeg-lossless-decoder-js, 8-bit lossy to
 * libjpeg-turbo, 12-bit lossy (Process 4, and 12-bit progressive) to the
 * 12-bit IJG build in jpeg12.ts.
 */
export async function decodeJpeg(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  const sof = sofMarker(bytes);
  if (sof?.marker === 0xc3 || sof?.marker === 0xc7) return decodeJpegLossless(bytes, info);
  if (sof && sof.precision > 12) throw new DecodeError(`lossy JPEG with ${sof.precision}-bit samples: T.81 allows 8 or 12`);
  if (sof && sof.precision > 8) return decodeJpeg12(bytes, info);
  return decodeJpegLossy(bytes, info);
}

async function decodeJpegLossy(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  if (info.samplesPerPixel === 3 && info.photometric === 'RGB' && assumesYcbcr(bytes)) return decodeWithoutTransform(bytes, info);
  const codec = await wasmCodec('libjpeg');
  const { info: fi, pixels } = runWasmDecoder(new codec.JPEGDecoder(), bytes);
  if (fi.width !== info.columns || fi.height !== info.rows) {
    throw new DecodeError(`JPEG frame is ${fi.width}x${fi.height}, the header says ${info.columns}x${info.rows}`);
  }
  return { pixels, bitsAllocated: 8, samplesPerPixel: fi.componentCount, photometric: afterColourTransform(info.photometric, fi.componentCount) };
}

/**
 * libjpeg converts 3-component frames from YCbCr unless an Adobe marker
 * says "no transform" or the component ids are 'R','G','B'. Photometric
 * Interpretation RGB says no transform was applied (PS3.5 §8.2.1), so such a
 * a frame must be decoded without the colour conversion libjpeg would apply.
 */
function assumesYcbcr(b: Buffer): boolean {
  let pos = 2;
  while (pos + 4 < b.length && b[pos] === 0xff) {
    const marker = b[pos + 1];
    const len = b.readUInt16BE(pos + 2);
    if (marker === 0xee && b.toString('latin1', pos + 4, pos + 9) === 'Adobe') return b[pos + 15] !== 0;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      const ids = [b[pos + 10], b[pos + 13], b[pos + 16]];
      return !(ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42);
    }
    pos += 2 + len;
  }
  return true;
}

function decodeWithoutTransform(bytes: Buffer, info: ImageInfo): DecodedFrame {
  try {
    const img = jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: false, colorTransform: false });
    const pixels = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    return { pixels, bitsAllocated: 8, samplesPerPixel: 3, photometric: info.photometric };
  } catch (err) {
    throw new DecodeError(`JPEG bitstream: ${(err as Error).message}`);
  }
}

async function decodeJpegLossless(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const decoder = new Decoder();
  const bytesPerSample = info.bitsAllocated > 8 ? 2 : 1;
  let out: Uint8Array | Uint16Array;
  try {
    out = decoder.decode(ab, 0, ab.byteLength, bytesPerSample);
  } catch (err) {
    throw new DecodeError(`JPEG lossless bitstream: ${(err as Error).message}`);
  }
  const samples = (decoder as unknown as { numComp?: number }).numComp ?? info.samplesPerPixel;
  const pixels = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  return { pixels, bitsAllocated: bytesPerSample === 2 ? 16 : 8, samplesPerPixel: samples, photometric: info.photometric };
}

/** The first SOF marker and its sample precision (ITU T.81 §B.2.2), or undefined. */
function sofMarker(b: Buffer): { marker: number; precision: number } | undefined {
  let pos = 2;
  while (pos + 4 < b.length) {
    if (b[pos] !== 0xff) return undefined;
    const marker = b[pos + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { marker, precision: b[pos + 4] };
    pos += 2 + b.readUInt16BE(pos + 2);
  }
  return undefined;
}
