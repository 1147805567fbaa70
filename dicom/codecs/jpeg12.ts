import { createRequire } from 'node:module';
import type { ImageInfo } from '../image-info.js';
import { DecodeError, afterColourTransform, type DecodedFrame } from './types.js';

/**
 * 12-bit lossy JPEG: Extended (Process 4, SOF1) and progressive (SOF2) DCT
 * frames of 1.2.840.10008.1.2.4.51 / .53 (PS3.5 §A.4.1, §8.2.1). The 8-bit
 * libjpeg-turbo build cannot read them; dcmjs-codecs ships IJG libjpeg built
 * for 12-bit samples (its JpegDecoder12) in one WebAssembly module.
 */
const require = createRequire(import.meta.url);
let codecs: Promise<any> | undefined;

function load(): Promise<any> {
  codecs ??= (async () => {
    const mod = require('dcmjs-codecs');
    mod.log.setLevel('silent'); // its logger would print codec traces to the server's stdout
    await mod.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: require.resolve('dcmjs-codecs/build/dcmjs-native-codecs.wasm') });
    return mod;
  })();
  return codecs;
}

export async function decodeJpeg12(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  const { NativeCodecs, Context } = await load();
  const ycbcr = info.samplesPerPixel === 3 && info.photometric.startsWith('YBR');
  const ctx = new Context({
    width: info.columns,
    height: info.rows,
    bitsAllocated: 16,
    bitsStored: Math.min(12, Math.max(info.bitsStored, 9)),
    samplesPerPixel: info.samplesPerPixel,
    pixelRepresentation: info.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: info.photometric,
    encodedBuffer: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  });
  let out: Uint8Array | undefined;
  try {
    out = NativeCodecs.decodeJpeg(ctx, { convertColorspaceToRgb: ycbcr }).getDecodedBuffer();
  } catch (err) {
    throw new DecodeError(`12-bit JPEG bitstream: ${(err as Error).message}`);
  }
  const expected = info.rows * info.columns * info.samplesPerPixel * 2;
  if (!out || out.length < expected) throw new DecodeError(`12-bit JPEG frame decoded to ${out?.length ?? 0} bytes, the header needs ${expected}`);
  const pixels = Buffer.from(out.buffer.slice(out.byteOffset, out.byteOffset + expected));
  return { pixels, bitsAllocated: 16, samplesPerPixel: info.samplesPerPixel, photometric: afterColourTransform(info.photometric, info.samplesPerPixel) };
}
