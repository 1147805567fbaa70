import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DEFAULT_DATASET_LIMITS, type DatasetLimits } from './dataset-limits.js';
import { parseHeader, type ParsedHeader } from './parse-header.js';

/**
 * Pass-through stream that hashes every byte (SHA-256) and keeps only the
 * bytes needed to parse the header. It tries to parse at growing sizes and
 * drops its copy as soon as Pixel Data is reached, so memory stays bounded by
 * `maxHeaderBytes` whatever the size of the instance.
 */
export class HeaderCollector extends Transform {
  private readonly hash = createHash('sha256');
  private chunks: Buffer[] = [];
  private collected = 0;
  private nextAttempt = 64 * 1024;
  private header?: ParsedHeader;
  private failure?: Error;
  size = 0;

  constructor(
    private readonly maxHeaderBytes: number,
    private readonly limits: DatasetLimits = DEFAULT_DATASET_LIMITS,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (!this.header && !this.failure) {
      this.chunks.push(chunk);
      this.collected += chunk.length;
      if (this.collected >= this.nextAttempt) this.attempt(false);
    }
    if (this.failure) return done(this.failure); // stop early: no point storing what we cannot read
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (!this.header && !this.failure) this.attempt(true);
    done(this.failure ?? null);
  }

  private attempt(complete: boolean): void {
    try {
      this.header = parseHeader(Buffer.concat(this.chunks), complete, this.limits);
    } catch (err) {
      this.failure = err as Error;
    }
    if (this.header || this.failure) this.chunks = [];
    else if (this.collected >= this.maxHeaderBytes) {
      this.failure = new HeaderTooLargeError(`MAX_HEADER_BYTES=${this.maxHeaderBytes} exceeded: no Pixel Data within that many bytes`);
    } else this.nextAttempt = Math.min(this.collected * 4, this.maxHeaderBytes);
  }

  /** The parsed header; valid after the stream finished without error. */
  result(): { header: ParsedHeader; sha256: string; size: number } {
    if (!this.header) throw this.failure ?? new Error('header not parsed');
    return { header: this.header, sha256: this.hash.digest('hex'), size: this.size };
  }

  get error(): Error | undefined {
    return this.failure;
  }
}

export class HeaderTooLargeError extends Error {}
