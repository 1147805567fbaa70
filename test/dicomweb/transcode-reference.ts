import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import dcmjs from 'dcmjs';
import sharp from 'sharp';

/**
 * Reference decodes for the transcoding tests, made outside our code by
 * DCMTK (Debian dcmtk): dcmdjpeg for pixel values, dcmj2pnm for rendered
 * images; the files are read back with dcmjs.
 */
export const run = promisify(execFile);

export interface Parsed {
  meta: Record<string, any>;
  dict: Record<string, any>;
  pixels: Buffer;
}

export function parseDicom(bytes: Buffer): Parsed {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const msg = dcmjs.data.DicomMessage.readFile(ab, { untilTag: undefined });
  const pd = msg.dict['7FE00010']?.Value ?? [];
  const pixels = Buffer.concat(pd.map((v: ArrayBuffer) => Buffer.from(v)));
  return { meta: msg.meta, dict: msg.dict, pixels };
}

export const value = (p: Parsed, tag: string): any => p.dict[tag]?.Value?.[0];

/** The file decompressed by DCMTK (dcmdjpeg, or dcmdrle for RLE). */
export async function dcmtkDecoded(file: string, out: string, tool: 'dcmdjpeg' | 'dcmdrle' = 'dcmdjpeg'): Promise<Parsed> {
  await run(tool, [file, out]);
  return parseDicom(await readFile(out));
}

/** Largest absolute difference between two little-endian 16-bit sample buffers of equal length. */
export function maxDiff16(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`sample buffers differ in length: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i + 1 < a.length; i += 2) worst = Math.max(worst, Math.abs(a.readUInt16LE(i) - b.readUInt16LE(i)));
  return worst;
}

export function maxDiff8(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`sample buffers differ in length: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** dcmj2pnm's PNG of `file` (+Wi 1: the file's first window, +Wm: min-max of the frame). */
export async function dcmj2pnm(file: string, out: string, voi: string[]): Promise<Buffer> {
  await run('dcmj2pnm', ['+on', ...voi, file, out]);
  return readFile(out);
}

/** Mean absolute difference of two PNGs and the share of samples more than 3 apart (as rendered-reference.test.ts). */
export async function comparePng(a: Buffer, b: Buffer): Promise<{ mean: number; over3: number; shape: string }> {
  const [x, y] = await Promise.all([a, b].map((img) => sharp(img).raw().toBuffer({ resolveWithObject: true })));
  const shape = `${x.info.width}x${x.info.height}x${x.info.channels} vs ${y.info.width}x${y.info.height}x${y.info.channels}`;
  if (x.data.length !== y.data.length) return { mean: Infinity, over3: 1, shape };
  let sum = 0;
  let over = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = Math.abs(x.data[i] - y.data[i]);
    sum += d;
    if (d > 3) over++;
  }
  return { mean: sum / x.data.length, over3: over / x.data.length, shape };
}
