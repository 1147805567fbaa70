/**
 * Reads the structure of encapsulated Pixel Data (PS3.5 §A.4) through ranged
 * reads: the Basic Offset Table item, then fragment item headers, never the
 * fragment values. A table of fragments is all a frame lookup needs.
 */

/** Reads bytes [start, end) of the file; may return fewer at the end of the file. */
export type RangeReader = (start: number, end: number) => Promise<Buffer>;

export interface Fragment {
  /** File offset of the fragment value (after its 8-byte item header). */
  offset: number;
  length: number;
}

export interface EncapsulatedTable {
  /** Basic Offset Table entries, relative to the first fragment's item header (may be empty). */
  basicOffsets: number[];
  fragments: Fragment[];
  /** File offset of the first fragment item header (the origin of BOT offsets). */
  firstItemOffset: number;
}

export class EncapsulationError extends Error {}

const ITEM = 0xe000fffe; // (FFFE,E000) read as one little-endian uint32
const SEQ_DELIM = 0xe0ddfffe; // (FFFE,E0DD)
const WINDOW = 64 * 1024;
/** Guards a scan of a corrupt file (and its number of reads). */
const MAX_FRAGMENTS = 1_000_000;

/** Buffers reads in windows so that small consecutive items cost one read. */
export class WindowedReader {
  private start = 0;
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly read: RangeReader, private readonly size: number) {}

  async bytes(pos: number, n: number): Promise<Buffer> {
    if (pos < this.start || pos + n > this.start + this.buf.length) {
      this.start = pos;
      this.buf = await this.read(pos, Math.min(this.size, pos + Math.max(n, WINDOW)));
    }
    const out = this.buf.subarray(pos - this.start, pos - this.start + n);
    if (out.length < n) throw new EncapsulationError(`file ends inside encapsulated Pixel Data at byte ${pos}`);
    return out;
  }
}

/** Scans item headers from `valueOffset` (start of the Pixel Data value) to the sequence delimiter. */
export async function scanEncapsulated(read: RangeReader, valueOffset: number, fileSize: number): Promise<EncapsulatedTable> {
  const w = new WindowedReader(read, fileSize);
  const bot = await itemHeader(w, valueOffset);
  if (bot.tag !== ITEM) throw new EncapsulationError('encapsulated Pixel Data does not start with a Basic Offset Table item');
  const botBytes = bot.length ? await w.bytes(valueOffset + 8, bot.length) : Buffer.alloc(0);
  const basicOffsets: number[] = [];
  for (let i = 0; i + 4 <= botBytes.length; i += 4) basicOffsets.push(botBytes.readUInt32LE(i));
  const firstItemOffset = valueOffset + 8 + bot.length;
  const fragments: Fragment[] = [];
  let pos = firstItemOffset;
  while (pos + 8 <= fileSize) {
    const h = await itemHeader(w, pos);
    if (h.tag === SEQ_DELIM) break;
    if (h.tag !== ITEM || h.length === 0xffffffff) throw new EncapsulationError(`unexpected element in encapsulated Pixel Data at byte ${pos}`);
    if (pos + 8 + h.length > fileSize) throw new EncapsulationError('a Pixel Data fragment runs past the end of the file');
    fragments.push({ offset: pos + 8, length: h.length });
    if (fragments.length > MAX_FRAGMENTS) throw new EncapsulationError('too many Pixel Data fragments');
    pos += 8 + h.length;
  }
  return { basicOffsets, fragments, firstItemOffset };
}

async function itemHeader(w: WindowedReader, pos: number): Promise<{ tag: number; length: number }> {
  const b = await w.bytes(pos, 8);
  return { tag: b.readUInt32LE(0), length: b.readUInt32LE(4) };
}

/**
 * Which fragments make up each frame (PS3.5 §A.4): one frame per fragment
 * when the counts agree; all fragments for a single frame; else the Basic
 * Offset Table; else frame starts found by `startsFrame` (a JPEG SOI or JPEG
 * 2000 SOC marker at the start of a fragment).
 */
export async function groupFrames(
  t: EncapsulatedTable, numberOfFrames: number, startsFrame: (f: Fragment) => Promise<boolean>,
): Promise<Fragment[][]> {
  const f = t.fragments;
  if (f.length === numberOfFrames) return f.map((x) => [x]);
  if (numberOfFrames === 1) return [f];
  if (t.basicOffsets.length === numberOfFrames) return byOffsets(t, numberOfFrames);
  const frames: Fragment[][] = [];
  for (const frag of f) {
    if (frames.length === 0 || (frames.length < numberOfFrames && (await startsFrame(frag)))) frames.push([frag]);
    else frames[frames.length - 1].push(frag);
  }
  if (frames.length !== numberOfFrames) {
    throw new EncapsulationError(`found ${frames.length} frames in ${f.length} fragments, but Number of Frames is ${numberOfFrames}`);
  }
  return frames;
}

function byOffsets(t: EncapsulatedTable, n: number): Fragment[][] {
  const frames: Fragment[][] = Array.from({ length: n }, () => []);
  let k = 0;
  for (const frag of t.fragments) {
    const rel = frag.offset - 8 - t.firstItemOffset;
    while (k + 1 < n && rel >= t.basicOffsets[k + 1]) k++;
    frames[k].push(frag);
  }
  return frames;
}

/** Extended Offset Table (7FE0,0001) and lengths (7FE0,0002): one fragment per frame (PS3.3 §C.7.6.3.1.8). */
export function framesFromExtendedTable(offsets: Buffer, lengths: Buffer, firstItemOffset: number): Fragment[][] {
  const out: Fragment[][] = [];
  for (let i = 0; i + 8 <= offsets.length && i + 8 <= lengths.length; i += 8) {
    out.push([{ offset: firstItemOffset + Number(offsets.readBigUInt64LE(i)) + 8, length: Number(lengths.readBigUInt64LE(i)) }]);
  }
  return out;
}

/** True when the bytes open a JPEG (SOI), JPEG-LS (SOI) or JPEG 2000 codestream (SOC) or JP2 box. */
export function looksLikeFrameStart(head: Buffer): boolean {
  if (head.length < 2) return false;
  if (head[0] === 0xff && (head[1] === 0xd8 || head[1] === 0x4f)) return true;
  return head.length >= 8 && head.readUInt32BE(4) === 0x6a502020; // 'jP  ' signature box
}
