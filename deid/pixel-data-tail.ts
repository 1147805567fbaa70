/**
 * Lets the Pixel Data element through and cuts what follows it. With a
 * defined length the element ends after its header and value; encapsulated
 * Pixel Data (undefined length, PS3.5 §A.4) ends with the Sequence
 * Delimitation Item (FFFE,E0DD), found by walking the item headers as they
 * stream past (items are always Little Endian there). Nothing is buffered
 * but an item header split across two chunks.
 */
const ITEM = 0xe000;
const SEQUENCE_DELIMITER = 0xe0dd;

export class PixelDataTail {
  /** Bytes still to pass before the next decision (element header, or an item's value). */
  private pass: number;
  private ended = false;
  private pending = Buffer.alloc(0);

  constructor(elementHeaderLength: number, private readonly length: number | undefined) {
    this.pass = elementHeaderLength + (length ?? 0);
  }

  get done(): boolean {
    return this.ended;
  }

  /** The part of `chunk` that belongs to the Pixel Data element. */
  take(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length && !this.ended) {
      if (this.pass > 0) {
        const n = Math.min(this.pass, chunk.length - pos);
        out.push(chunk.subarray(pos, pos + n));
        pos += n;
        this.pass -= n;
        if (this.pass === 0 && this.length !== undefined) this.ended = true;
        continue;
      }
      // Encapsulated: read the next 8-byte item header, possibly across chunks.
      const need = 8 - this.pending.length;
      const part = chunk.subarray(pos, pos + need);
      pos += part.length;
      this.pending = Buffer.concat([this.pending, part]);
      if (this.pending.length < 8) break;
      const header = this.pending;
      this.pending = Buffer.alloc(0);
      out.push(header);
      const group = header.readUInt16LE(0);
      const element = header.readUInt16LE(2);
      if (group === 0xfffe && element === SEQUENCE_DELIMITER) this.ended = true;
      else if (group === 0xfffe && element === ITEM) this.pass = header.readUInt32LE(4);
      else this.ended = true; // not an item: malformed; stop here rather than guess
      if (this.pass === 0xffffffff) this.ended = true;
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
}
