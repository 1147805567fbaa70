import type { ImageInfo } from '../image-info.js';
import { DecodeError, afterColourTransform, type DecodedFrame } from './types.js';
import { runWasmDecoder, wasmCodec } from './wasm.js';

/**
 * JPEG 2000 (PS3.5 §A.4.4) with OpenJPEG and High-Throughput JPEG 2000
 * (§A.4.11) with OpenJPH. Both output colour-by-pixel; YBR_ICT / YBR_RCT
 * come out as RGB (§8.2.4).
 */
export async function decodeJ2k(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  const codec = await wasmCodec('openjpeg');
  return finish(runWasmDecoder(new codec.J2KDecoder(), bytes), info);
}

export async function decodeHtj2k(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  const codec = await wasmCodec('openjph');
  return finish(runWasmDecoder(new codec.HTJ2KDecoder(), bytes), info);
}

function finish(r: ReturnType<typeof runWasmDecoder>, info: ImageInfo): DecodedFrame {
  const fi = r.info;
  if (fi.width !== info.columns || fi.height !== info.rows) {
    throw new DecodeError(`JPEG 2000 frame is ${fi.width}x${fi.height}, the header says ${info.columns}x${info.rows}`);
  }
  const bytesPerSample = fi.bitsPerSample > 8 ? 2 : 1;
  return {
    pixels: r.pixels,
    bitsAllocated: bytesPerSample === 2 ? 16 : 8,
    samplesPerPixel: fi.componentCount,
    photometric: afterColourTransform(info.photometric, fi.componentCount),
  };
}
