/**
 * dcmjs finds the end of an item of undefined length by scanning its bytes,
 * then parses the item, scanning its nested items again: the cost grows with
 * nesting depth times size (sequences 32 deep around a 4 MiB value kept the
 * event loop busy for 10 s). Handing it a copy in which every such item has
 * its length written in, and its Item Delimitation Item (FFFE,E00D) dropped
 * (PS3.5 §7.5.1 allows either form), makes the read linear. The stored bytes
 * are never changed; only the copy dcmjs reads is.
 */
export interface Span {
  /** Offset of the 4-byte length field. */
  lengthAt: number;
  /** First byte of the content. */
  start: number;
}

export interface Layout {
  /** Sequences and items of defined length (their length shrinks by what is dropped inside). */
  containers: Array<Span & { end: number }>;
  /** Items of undefined length, each ended by the delimiter at `delimiterAt`, in file order. */
  openItems: Array<Span & { delimiterAt: number }>;
}

const DELIMITER = 8;

/** The bytes up to `until`, with lengths written in; `b` itself when there is nothing to change. */
export function withDefinedLengths(b: Uint8Array, until: number, layout: Layout, littleEndian: boolean): Uint8Array {
  const delimiters = layout.openItems.map((i) => i.delimiterAt);
  if (delimiters.length === 0) return b;
  const dropped = (from: number, to: number) => (countBelow(delimiters, to) - countBelow(delimiters, from)) * DELIMITER;
  const moved = (p: number) => p - countBelow(delimiters, p) * DELIMITER;

  const out = new Uint8Array(until - dropped(0, until));
  let from = 0;
  for (const d of delimiters) {
    out.set(b.subarray(from, d), moved(from));
    from = d + DELIMITER;
  }
  out.set(b.subarray(from, until), moved(from));

  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const i of layout.openItems) view.setUint32(moved(i.lengthAt), i.delimiterAt - i.start - dropped(i.start, i.delimiterAt), littleEndian);
  for (const c of layout.containers) {
    const less = dropped(c.start, c.end);
    if (less > 0) view.setUint32(moved(c.lengthAt), c.end - c.start - less, littleEndian);
  }
  return out;
}

/** How many of the sorted offsets lie below `p`. */
function countBelow(sorted: number[], p: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
