import type { ImageInfo } from '../image-info.js';
import { DecodeError, interleave, type DecodedFrame } from './types.js';
import { runWasmDecoder, wasmCodec } from './wasm.js';

/** JPEG-LS lossless and near-lossless (PS3.5 §A.4.3) with CharLS. No colour transform applies. */
export async function decodeJpegLs(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  const codec = await wasmCodec('charls');
  const { info: fi, pixels, extra } = runWasmDecoder(new codec.JpegLSDecoder(), bytes);
  if (fi.width !== info.columns || fi.height !== info.rows) {
    throw new DecodeError(`JPEG-LS frame is ${fi.width}x${fi.height}, the header says ${info.columns}x${info.rows}`);
  }
  const bytesPerSample = fi.bitsPerSample > 8 ? 2 : 1;
  // Interleave mode 0 ("none") decodes one plane per component.
  const planar = fi.componentCount > 1 && extra('getInterleaveMode') === 0;
  const out = planar ? interleave(pixels, fi.width * fi.height, fi.componentCount, bytesPerSample) : pixels;
  return { pixels: out, bitsAllocated: bytesPerSample === 2 ? 16 : 8, samplesPerPixel: fi.componentCount, photometric: info.photometric };
}
