import { Transform, type TransformCallback } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import { HeaderTooLargeError } from '../dicom/header-collector.js';
import { parseHeader, type ParsedHeader } from '../dicom/parse-header.js';
import { metaEnd } from '../dicom/trailing.js';
import type { DeidEngine, DeidOutcome } from './engine.js';
import { PixelDataTail } from './pixel-data-tail.js';
import { EXPLICIT_LE, readHeaderDict, writeHeader } from './part10-codec.js';

/**
 * Streams a PS3.10 file through de-identification with bounded memory:
 * the header (everything before Pixel Data) is collected, de-identified and
 * re-encoded; the Pixel Data element then passes through unchanged, chunk by
 * chunk, and whatever follows it (Data Set Trailing Padding, Digital
 * Signatures, private groups above 7FE0) is dropped, which is what Table
 * E.1-1 asks for every standard attribute that can follow Pixel Data (X).
 *
 * A deflated file (PS3.5 §A.5) has no Pixel Data boundary before inflating;
 * it is read whole (bounded by maxHeaderBytes, like the store pipeline does)
 * and written out in Explicit VR Little Endian.
 */
const DEFLATED = '1.2.840.10008.1.2.1.99';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';

export class DeidTransform extends Transform {
  private chunks: Buffer[] = [];
  private collected = 0;
  private nextAttempt = 64 * 1024;
  private tail?: PixelDataTail;
  private outcomeValue?: DeidOutcome;
  private settle!: { resolve: (o: DeidOutcome) => void; reject: (e: Error) => void };
  /** Resolves once the header is de-identified (before the first output byte). */
  readonly outcome: Promise<DeidOutcome>;

  constructor(private readonly engine: DeidEngine, private readonly tenant: string, private readonly maxHeaderBytes: number) {
    super();
    this.outcome = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.outcome.catch(() => undefined); // observed by callers that want it; never an unhandled rejection
  }

  get result(): DeidOutcome | undefined {
    return this.outcomeValue;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      if (this.tail) return this.passPixels(chunk, done);
      this.chunks.push(chunk);
      this.collected += chunk.length;
      if (this.collected >= this.nextAttempt) this.attempt(false);
      done();
    } catch (err) {
      this.fail(err as Error, done);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.outcomeValue) this.attempt(true);
      if (!this.outcomeValue) throw new Error('no DICOM header found');
      done();
    } catch (err) {
      this.fail(err as Error, done);
    }
  }

  private fail(err: Error, done: TransformCallback): void {
    this.settle.reject(err);
    done(err);
  }

  private passPixels(chunk: Buffer, done: TransformCallback): void {
    const keep = this.tail!.take(chunk);
    if (keep.length) this.push(keep);
    done();
  }

  private attempt(complete: boolean): void {
    let bytes: Buffer = Buffer.concat(this.chunks);
    let header = parseHeader(bytes, complete);
    if (!header) {
      if (this.collected >= this.maxHeaderBytes) throw new HeaderTooLargeError(`header larger than ${this.maxHeaderBytes} bytes before Pixel Data`);
      this.nextAttempt = Math.min(this.collected * 4, this.maxHeaderBytes);
      return;
    }
    this.chunks = [];
    if (header.transferSyntaxUid === DEFLATED) ({ bytes, header } = inflate(bytes, header, this.maxHeaderBytes));
    const syntax = header.transferSyntaxUid === DEFLATED ? EXPLICIT_LE : header.transferSyntaxUid;
    const tagStart = header.reachedPixelData ? pixelTagStart(bytes, header) : bytes.length;
    const { meta, dict, dropped } = readHeaderDict(bytes.subarray(0, tagStart));
    const deid = this.engine.deidentify(this.tenant, dict);
    const outcome = { ...deid, attributesChanged: deid.attributesChanged + dropped };
    this.push(writeHeader(meta, outcome.dataset, syntax, outcome.sopInstanceUid));
    this.outcomeValue = outcome;
    this.settle.resolve(outcome);
    if (header.reachedPixelData) {
      this.tail = new PixelDataTail(header.pixelDataValueOffset! - tagStart, header.pixelDataLength);
      const keep = this.tail.take(bytes.subarray(tagStart));
      if (keep.length) this.push(keep);
    }
  }
}

/** Where the Pixel Data tag starts: 12 bytes before its value for OB/OW in explicit VR, else 8 (PS3.5 §7.1). */
function pixelTagStart(bytes: Buffer, h: ParsedHeader): number {
  const off = h.pixelDataValueOffset!;
  const big = h.transferSyntaxUid === EXPLICIT_BE;
  const isTag = (at: number) => at >= 0 && (big
    ? bytes.readUInt16BE(at) === 0x7fe0 && bytes.readUInt16BE(at + 2) === 0x0010
    : bytes.readUInt16LE(at) === 0x7fe0 && bytes.readUInt16LE(at + 2) === 0x0010);
  if (h.transferSyntaxUid !== IMPLICIT_LE && isTag(off - 12)) return off - 12;
  if (isTag(off - 8)) return off - 8;
  throw new Error('cannot locate the Pixel Data element');
}

/** Inflates a deflated dataset into an equivalent Explicit VR Little Endian file (PS3.5 §A.5). */
function inflate(file: Buffer, h: ParsedHeader, max: number): { bytes: Buffer; header: ParsedHeader } {
  const start = metaEnd(file);
  const meta = { ...h.meta, '00020010': { vr: 'UI', Value: [EXPLICIT_LE] } };
  const head = writeHeader(meta as never, {}, EXPLICIT_LE, h.meta['00020003']?.Value?.[0] as string | undefined);
  const bytes = Buffer.concat([head, inflateRawSync(file.subarray(start), { maxOutputLength: max })]);
  const header = parseHeader(bytes, true);
  if (!header) throw new Error('the inflated dataset has no readable header');
  return { bytes, header };
}
