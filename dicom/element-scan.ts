import { keywordOf, vrOf } from './dictionary.js';
import { DatasetLimitError, type DatasetLimits } from './dataset-limits.js';
import type { Layout } from './defined-lengths.js';

/**
 * Walks the element headers of a dataset (tag, VR, length; PS3.5 §7.1) and
 * skips the values, so a header is checked against the limits before dcmjs
 * reads it into memory: dcmjs recurses once per nested sequence, builds an
 * object per element, and reads a value whatever length it declares.
 * Iterative, with its own stack, so no input can exhaust the call stack here.
 * It also records where items of undefined length are (see defined-lengths.ts).
 */
export type ScanOutcome =
  /** Top-level Pixel Data reached at offset `at`: the header before it lies in the bytes. */
  | { kind: 'pixel-data'; at: number; layout: Layout }
  /** The bytes end exactly where a top-level element ends. */
  | { kind: 'end'; layout: Layout }
  /** The header goes on past the end of the bytes. */
  | { kind: 'need-more' }
  /** A structure this scanner cannot follow (dcmjs would read it by guessing). */
  | { kind: 'unreadable'; reason: string };

export interface Encoding {
  implicit: boolean;
  littleEndian: boolean;
}

const UNDEFINED = 0xffffffff;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const VR = /^[A-Z]{2}$/;
/**
 * Binary VRs that dcmjs reads as one JS number per value, with the value size:
 * their values count towards the element limit (a 32 MiB US value would be
 * 16 million of them).
 */
const NUMERIC: Record<string, number> = { AT: 4, FD: 8, FL: 4, SL: 4, SS: 2, UL: 4, US: 2, UV: 8 };

interface Frame {
  /** 'dataset': elements (the top level or an item); 'items': a sequence's items; 'fragments': encapsulated values. */
  kind: 'dataset' | 'items' | 'fragments';
  /** Offset where a defined-length container ends; undefined for undefined length. */
  end?: number;
  implicit: boolean;
  /** Where the container's length field and its content start. */
  lengthAt: number;
  start: number;
}

export function scanDataset(b: Uint8Array, start: number, enc: Encoding, limits: DatasetLimits): ScanOutcome {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number) => view.getUint16(o, enc.littleEndian);
  const u32 = (o: number) => view.getUint32(o, enc.littleEndian);
  const stack: Frame[] = [{ kind: 'dataset', implicit: enc.implicit, lengthAt: -1, start }];
  const layout: Layout = { containers: [], openItems: [] };
  let depth = 0;
  let elements = 0;
  let nested = 0;
  const addNested = (bytes: number, tag: string) => {
    nested += bytes;
    if (nested > limits.nestedBytes.max) throw new DatasetLimitError(limits.nestedBytes, `item content summed over nesting levels, at ${tag}`);
  };
  let pos = start;
  const count = (tag: string, n = 1) => {
    elements += n;
    if (elements > limits.elements.max) throw new DatasetLimitError(limits.elements, `more elements or values than that, at ${tag}`);
  };
  const open = (frame: Frame, tag: string) => {
    if (frame.kind === 'items' && ++depth > limits.sequenceDepth.max) {
      throw new DatasetLimitError(limits.sequenceDepth, `sequences nested deeper than that, at ${tag}`);
    }
    stack.push(frame);
  };
  /** Pops the top frame; `delimiterAt` when an item delimiter closed an item of undefined length. */
  const close = (delimiterAt?: number) => {
    const f = stack.pop()!;
    if (f.kind === 'items') depth--;
    if (f.kind === 'fragments') return;
    if (f.end !== undefined) layout.containers.push({ lengthAt: f.lengthAt, start: f.start, end: f.end });
    else if (delimiterAt !== undefined) {
      layout.openItems.push({ lengthAt: f.lengthAt, start: f.start, delimiterAt });
      addNested(delimiterAt - f.start, 'an item delimiter');
    }
  };

  for (;;) {
    const top = stack[stack.length - 1];
    if (top.end !== undefined && pos >= top.end) {
      if (pos > top.end) return unreadable('an element runs past the end of its item or sequence');
      close();
      continue;
    }
    if (stack.length === 1 && pos === b.length) return { kind: 'end', layout };
    if (pos + 8 > b.length) return { kind: 'need-more' };
    const group = u16(pos);
    const element = u16(pos + 2);
    const tag = tagId(group, element);

    if (top.kind !== 'dataset') {
      if (group !== 0xfffe) return unreadable(`${tag} where an item was expected`);
      const length = u32(pos + 4);
      const lengthAt = pos + 4;
      pos += 8;
      if (element === 0xe0dd) {
        // A sequence delimiter ends the sequence, even a defined-length one (dcmjs does the same).
        if (top.end !== undefined) pos = top.end;
        close();
        continue;
      }
      if (element !== 0xe000) return unreadable(`${tag} inside a sequence`);
      count(tag);
      if (top.kind === 'fragments') {
        if (length === UNDEFINED) return unreadable('a fragment of undefined length');
        checkValue(length, tag, limits);
        pos += length;
      } else {
        const end = length === UNDEFINED ? undefined : pos + length;
        if (end !== undefined) addNested(length, tag);
        open({ kind: 'dataset', end, implicit: top.implicit, lengthAt, start: pos }, tag);
      }
      continue;
    }

    if (group === 0xfffe && element === 0xe00d) {
      if (stack.length === 1) return unreadable('an item delimiter outside any item');
      const delimiterAt = pos;
      pos = top.end ?? pos + 8;
      close(delimiterAt);
      continue;
    }
    if (stack.length === 1 && group === 0x7fe0 && element === 0x0010) return { kind: 'pixel-data', at: pos, layout };
    count(tag);

    // Element header (PS3.5 §7.1): implicit tag+length(4); explicit tag+VR+length(2), or +2 reserved+length(4).
    let vr: string;
    let length: number;
    let lengthAt: number;
    if (top.implicit) {
      vr = vrOf(tag);
      lengthAt = pos + 4;
      length = u32(lengthAt);
      pos += 8;
    } else {
      vr = String.fromCharCode(b[pos + 4], b[pos + 5]);
      if (!VR.test(vr)) return unreadable(`${tag} has no valid VR`);
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > b.length) return { kind: 'need-more' };
        lengthAt = pos + 8;
        length = u32(lengthAt);
        pos += 12;
      } else {
        lengthAt = pos + 6;
        length = u16(lengthAt);
        pos += 8;
      }
    }
    // Implicit VR, and UN, hold their nested items in Implicit VR Little Endian (PS3.5 §6.2.2, §7.5).
    const nestedImplicit = top.implicit || vr === 'UN';
    if (length === UNDEFINED) {
      // Encapsulated values (PS3.5 §A.4) hold fragments; anything else of undefined length is a sequence.
      if (vr === 'OB' || vr === 'OW' || (group === 0x7fe0 && element === 0x0010)) {
        open({ kind: 'fragments', implicit: false, lengthAt, start: pos }, tag);
      } else if (vr === 'SQ' || vr === 'UN' || top.implicit) {
        open({ kind: 'items', implicit: nestedImplicit, lengthAt, start: pos }, tag);
      } else {
        return unreadable(`${tag} (${vr}) has an undefined length`);
      }
      continue;
    }
    const sequence = vr === 'SQ' || ((vr === 'UN' || top.implicit) && vrOf(tag) === 'SQ');
    if (sequence) {
      open({ kind: 'items', end: pos + length, implicit: nestedImplicit, lengthAt, start: pos }, tag);
      continue;
    }
    checkValue(length, tag, limits);
    const size = numericSize(tag, vr, top.implicit);
    if (size) count(tag, Math.floor(length / size));
    pos += length;
  }
}

/** Bytes per value when dcmjs splits the value into numbers; 0 when it keeps it whole. */
function numericSize(tag: string, vr: string, implicit: boolean): number {
  if (NUMERIC[vr]) return NUMERIC[vr];
  if (vr !== 'UN' || (!implicit && !keywordOf(tag))) return 0;
  // dcmjs reads UN (and implicit VR) by the dictionary's VR; an ambiguous one ('US or SS') as 16-bit values.
  const known = vrOf(tag);
  return NUMERIC[known] ?? (known === 'UN' && keywordOf(tag) ? 2 : 0);
}

export type MetaScan = { kind: 'end'; end: number } | { kind: 'need-more' } | { kind: 'unreadable'; reason: string };

/** Where the File Meta Information ends (PS3.10 §7.1: group 0002, explicit VR little endian), checked element by element. */
export function scanMeta(b: Uint8Array, start: number, maxBytes: number): MetaScan {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const bad = (reason: string): MetaScan => ({ kind: 'unreadable', reason });
  for (let pos = start; ;) {
    if (pos - start > maxBytes) return bad(`larger than ${maxBytes} bytes`);
    if (pos + 8 > b.length) return { kind: 'need-more' };
    if (view.getUint16(pos, true) !== 0x0002) return { kind: 'end', end: pos };
    const vr = String.fromCharCode(b[pos + 4], b[pos + 5]);
    if (!VR.test(vr)) return bad(`${tagId(2, view.getUint16(pos + 2, true))} has no valid VR`);
    const long = LONG_VRS.has(vr);
    if (long && pos + 12 > b.length) return { kind: 'need-more' };
    const length = long ? view.getUint32(pos + 8, true) : view.getUint16(pos + 6, true);
    if (length > maxBytes) return bad(`an element declares ${length} bytes`);
    pos += (long ? 12 : 8) + length;
  }
}

function checkValue(length: number, tag: string, limits: DatasetLimits): void {
  if (length > limits.elementBytes.max) throw new DatasetLimitError(limits.elementBytes, `${tag} declares ${length} bytes`);
}

function unreadable(reason: string): ScanOutcome {
  return { kind: 'unreadable', reason };
}

/** The tag as 8 hex digits, as the dictionary and DICOM JSON key it. */
function tagId(group: number, element: number): string {
  return (group * 0x10000 + element).toString(16).toUpperCase().padStart(8, '0');
}
