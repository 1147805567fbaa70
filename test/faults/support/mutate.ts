import { deflateRawSync } from 'node:zlib';
import { DEFLATED, part10Meta } from './hostile-dicom.js';
import type { Rng } from './rng.js';

/**
 * Mutations of real DICOM files for the fuzz test: bit flips, truncation,
 * corrupted length fields, swapped tags, inserted huge lengths, spliced
 * nesting and element floods, a changed transfer syntax, deflate bombs.
 * Each returns a new buffer and a short name for the report.
 */
export type Mutation = (b: Buffer, r: Rng) => Buffer;

/** Offsets of top-level element headers of an explicit VR little endian file (best effort, for aiming). */
export function elementOffsets(b: Buffer): number[] {
  const out: number[] = [];
  let pos = 132;
  const long = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
  while (pos + 8 <= b.length && out.length < 5000) {
    out.push(pos);
    const vr = b.toString('latin1', pos + 4, pos + 6);
    if (!/^[A-Z]{2}$/.test(vr)) break;
    const isLong = long.has(vr);
    const len = isLong ? (pos + 12 <= b.length ? b.readUInt32LE(pos + 8) : 0) : b.readUInt16LE(pos + 6);
    if (len === 0xffffffff || b.readUInt16LE(pos) === 0x7fe0) break;
    pos += (isLong ? 12 : 8) + len;
  }
  return out;
}

const HUGE = [0xffffffff, 0xfffffffe, 0xfffffff0, 0x7fffffff, 0x80000000, 0x10000000, 0x00ffffff, 0x40000001];

function at(b: Buffer, r: Rng): number {
  const offs = elementOffsets(b);
  return offs.length && r.chance(0.8) ? r.pick(offs) : r.int(128, Math.max(128, b.length - 12));
}

export const MUTATIONS: Record<string, Mutation> = {
  bitflips(b, r) {
    const out = Buffer.from(b);
    for (let i = r.int(1, 32); i > 0; i--) {
      const p = r.int(0, out.length - 1);
      out[p] ^= 1 << r.int(0, 7);
    }
    return out;
  },
  bytes(b, r) {
    const out = Buffer.from(b);
    const p = r.int(0, Math.max(0, out.length - 64));
    r.bytes(r.int(1, 64)).copy(out, p);
    return out;
  },
  truncate(b, r) {
    return b.subarray(0, r.int(0, b.length - 1));
  },
  length(b, r) {
    const out = Buffer.from(b);
    const p = at(out, r);
    if (p + 12 > out.length) return out;
    const vr = out.toString('latin1', p + 4, p + 6);
    const value = r.chance(0.6) ? r.pick(HUGE) : r.int(0, 0xffffffff);
    if (['OB', 'OW', 'SQ', 'UN', 'UT', 'OF', 'UC', 'UR'].includes(vr) || r.chance(0.3)) out.writeUInt32LE(value >>> 0, p + 8);
    else out.writeUInt16LE(value & 0xffff, p + 6);
    return out;
  },
  tagSwap(b, r) {
    const out = Buffer.from(b);
    const offs = elementOffsets(out);
    if (offs.length < 2) return out;
    const [x, y] = [r.pick(offs), r.pick(offs)];
    const tx = Buffer.from(out.subarray(x, x + 4));
    out.copy(out, x, y, y + 4);
    tx.copy(out, y);
    return out;
  },
  vr(b, r) {
    const out = Buffer.from(b);
    const p = at(out, r);
    if (p + 6 <= out.length) out.write(r.pick(['SQ', 'UN', 'OB', 'XX', '\0\0', 'UT', 'US', 'OW', 'ox']), p + 4, 'latin1');
    return out;
  },
  insertHuge(b, r) {
    const p = at(b, r);
    const h = Buffer.alloc(12);
    h.writeUInt16LE(r.pick([0x0009, 0x0008, 0x0010, 0x0029, 0x7fe0, 0xfffe]), 0);
    h.writeUInt16LE(r.int(0, 0xffff), 2);
    h.write(r.pick(['OB', 'UN', 'SQ', 'UT', 'OW']), 4, 'latin1');
    h.writeUInt32LE(r.pick(HUGE), 8);
    return Buffer.concat([b.subarray(0, p), h, b.subarray(p, p + r.int(0, 64))]);
  },
  insertRandom(b, r) {
    const p = r.int(0, b.length);
    return Buffer.concat([b.subarray(0, p), r.bytes(r.int(1, 512)), b.subarray(p)]);
  },
  deleteRange(b, r) {
    const p = r.int(0, b.length);
    return Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + r.int(1, 4096)))]);
  },
  duplicateRange(b, r) {
    const p = r.int(128, Math.max(128, b.length - 1));
    const q = Math.min(b.length, p + r.int(8, 8192));
    return Buffer.concat([b.subarray(0, q), b.subarray(p, q), b.subarray(q)]);
  },
  nesting(b, r) {
    const depth = r.pick([2, 10, 40, 200, 2000]);
    const open = Buffer.from('4000' + '30a7' + '5351' + '0000' + 'ffffffff' + 'feff00e0' + 'ffffffff', 'hex');
    const close = Buffer.from('feff0de0' + '00000000' + 'feffdde0' + '00000000', 'hex');
    const p = at(b, r);
    const parts = [b.subarray(0, p), ...Array(depth).fill(open)];
    if (r.chance(0.5)) parts.push(...Array(depth).fill(close));
    parts.push(b.subarray(p));
    return Buffer.concat(parts);
  },
  flood(b, r) {
    const n = r.pick([1000, 20_000, 150_000]);
    const el = Buffer.from('0900' + '1010' + '4c4f' + '0200' + '4120', 'hex');
    const p = at(b, r);
    return Buffer.concat([b.subarray(0, p), Buffer.alloc(el.length * n).fill(el), b.subarray(p)]);
  },
  transferSyntax(b, r) {
    const ts = Buffer.from('1.2.840.10008.1.2.1\0', 'latin1');
    const p = b.indexOf(ts);
    if (p < 0) return Buffer.from(b);
    const out = Buffer.from(b);
    out.write(r.pick(['1.2.840.10008.1.2\0\0\0', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.5\0', '1.2.840.10008.1.2.4.50']), p, 'latin1');
    return out;
  },
  deflateBody(b, r) {
    // The dataset after the File Meta, deflated under a deflated-syntax meta: the real one, or a bomb.
    const offs = elementOffsets(b);
    const start = offs.find((o) => b.readUInt16LE(o) !== 0x0002);
    if (start === undefined) return Buffer.from(b);
    const body = r.chance(0.3) ? Buffer.alloc(r.pick([1, 64, 600]) * 1024 * 1024) : b.subarray(start);
    return Buffer.concat([part10Meta(DEFLATED), deflateRawSync(body, { level: 1 })]);
  },
  preamble(b, r) {
    const out = Buffer.from(b);
    if (out.length >= 132) out.write(r.pick(['DICX', 'dicm', '\0\0\0\0']), 128, 'latin1');
    return out;
  },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);
