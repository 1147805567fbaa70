import { binaryOf } from '../binary.js';
import type { DicomDataset } from '../dicom-json.js';

/**
 * A lookup table from a LUT Descriptor and LUT Data (PS3.3 §C.11.1.1):
 * descriptor = [entries (0 means 65536), first mapped value, bits per entry].
 * Values below the first entry map to it, values past the last to the last.
 */
export interface Lut {
  first: number;
  bits: number;
  data: Uint16Array;
}

export function readLut(item: DicomDataset | undefined, descriptorTag: string, dataTag: string): Lut | undefined {
  const desc = item?.[descriptorTag]?.Value?.map(Number);
  if (!desc || desc.length < 3) return undefined;
  const entries = desc[0] === 0 ? 65536 : desc[0];
  const first = desc[1] > 32767 && item?.[descriptorTag]?.vr === 'US' ? desc[1] - 65536 : desc[1];
  const data = lutData(item?.[dataTag]?.Value, entries, desc[2]);
  return data ? { first, bits: desc[2], data } : undefined;
}

function lutData(values: unknown[] | undefined, entries: number, bits: number): Uint16Array | undefined {
  if (!values?.length) return undefined;
  const b = binaryOf(values[0]);
  if (b) {
    // 8-bit entries may be packed two per 16-bit word (PS3.3 §C.11.1.1.1).
    if (bits === 8 && b.length === entries) return Uint16Array.from(b);
    const out = new Uint16Array(Math.min(entries, b.length >> 1));
    for (let i = 0; i < out.length; i++) out[i] = b.readUInt16LE(i * 2);
    return out;
  }
  return Uint16Array.from(values.map(Number).slice(0, entries));
}

export function applyLut(lut: Lut, v: number): number {
  const i = Math.round(v) - lut.first;
  return lut.data[i < 0 ? 0 : i >= lut.data.length ? lut.data.length - 1 : i];
}
