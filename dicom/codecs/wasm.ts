import { createRequire } from 'node:module';
import { DecodeError } from './types.js';

/**
 * Loads the Emscripten WASM builds of the Cornerstone codec packages once per
 * process. Each factory compiles its module on first use (about 100 ms).
 */
const require = createRequire(import.meta.url);
const modules = new Map<string, Promise<any>>();

const ENTRY = {
  libjpeg: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
  charls: '@cornerstonejs/codec-charls/decodewasmjs',
  openjpeg: '@cornerstonejs/codec-openjpeg/decodewasmjs',
  openjph: '@cornerstonejs/codec-openjph/wasmjs',
} as const;

export type WasmCodec = keyof typeof ENTRY;

export function wasmCodec(name: WasmCodec): Promise<any> {
  let m = modules.get(name);
  if (!m) {
    const factory = require(ENTRY[name]);
    // Emscripten prints codec diagnostics to stdout by default; keep them out of server output.
    m = (factory.default ?? factory)({ print: () => {}, printErr: () => {} });
    modules.set(name, m!);
  }
  return m!;
}

export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/**
 * Runs one decoder object of a codec module: copy the bitstream into WASM
 * memory, decode, copy the result out, and always free the decoder. A C++
 * exception reaches JavaScript as a bare number (a pointer): it becomes a
 * DecodeError (answered 406 with the reason), not an internal error.
 */
export function runWasmDecoder(decoder: any, bytes: Buffer): { info: WasmFrameInfo; pixels: Buffer; extra: (name: string) => unknown } {
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const info = decoder.getFrameInfo() as WasmFrameInfo;
    const out = decoder.getDecodedBuffer() as Uint8Array;
    const extras: Record<string, unknown> = {};
    for (const name of ['getInterleaveMode', 'getNearLossless']) if (typeof decoder[name] === 'function') extras[name] = decoder[name]();
    return { info, pixels: Buffer.from(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)), extra: (n) => extras[n] };
  } catch (err) {
    if (err instanceof Error) throw new DecodeError(`the frame cannot be decoded: ${err.message}`);
    throw new DecodeError('the frame cannot be decoded: the codec rejected its bitstream (corrupt or unsupported)');
  } finally {
    decoder.delete();
  }
}
