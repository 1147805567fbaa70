import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DEFAULT_DATASET_LIMITS, type DatasetLimits } from './dataset-limits.js';
import { ParsePoolUnavailable, type HeaderParsePool } from './header-parse-pool.js';
import { parseHeader, type ParsedHeader } from './parse-header.js';

/**
 * Pass-through stream that hashes every byte (SHA-256) and keeps only the
 * bytes needed to parse the header. It tries to parse at growing sizes and
 * drops its copy as soon as Pixel Data is reached, so memory stays bounded by
 * `maxHeaderBytes` whatever the size of the instance.
 *
 * With a parse pool, each attempt runs on a worker thread while the bytes
 * keep flowing (hashed and passed on); the stream finishes only once the
 * header is known. Without one (or when it is unavailable) attempts run inline.
 */
export class HeaderCollector extends Transform {
  private readonly hash = createHash('sha256');
  private chunks: Buffer[] = [];
  private collected = 0;
  private nextAttempt = 64 * 1024;
  private header?: ParsedHeader;
  private failure?: Error;
  /** The attempt running on a worker, if any. */
  private inFlight?: Promise<void>;
  size = 0;

  constructor(
    private readonly maxHeaderBytes: number,
    private readonly limits: DatasetLimits = DEFAULT_DATASET_LIMITS,
    private readonly pool?: HeaderParsePool,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (!this.header && !this.failure) {
      this.chunks.push(chunk);
      this.collected += chunk.length;
      if (this.collected >= this.nextAttempt && !this.inFlight) this.attempt(false);
    }
    // Stop early on a failure: no point storing what we cannot read.
    const pass = () => (this.failure ? done(this.failure) : done(null, chunk));
    // While a worker parses, keep collecting only up to the size of the next attempt (bounded memory).
    if (this.inFlight && this.collected >= Math.min(this.maxHeaderBytes, this.nextAttempt * 4)) {
      this.whenIdle().then(pass, pass);
      return;
    }
    pass();
  }

  override _flush(done: TransformCallback): void {
    this.whenIdle().then(async () => {
      if (!this.header && !this.failure) {
        this.attempt(true);
        await this.whenIdle();
      }
      done(this.failure ?? null);
    }, done);
  }

  private async whenIdle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private attempt(complete: boolean): void {
    if (!this.pool?.available) return this.parseInline(complete);
    const collected = this.collected;
    const bytes = Buffer.concat(this.chunks, collected); // a fresh copy, given to the worker
    this.inFlight = this.pool.parse(bytes, complete, this.limits).then(
      (header) => this.settle(header, undefined, collected),
      (err) => {
        if (err instanceof ParsePoolUnavailable) this.parseInline(complete, collected);
        else this.settle(undefined, err as Error, collected);
      },
    ).then(() => {
      this.inFlight = undefined;
      // More bytes came while it ran: try again with them.
      if (!complete && !this.header && !this.failure && this.collected >= this.nextAttempt) this.attempt(false);
    });
  }

  private parseInline(complete: boolean, upTo?: number): void {
    let header: ParsedHeader | undefined;
    let failure: Error | undefined;
    const bytes = Buffer.concat(this.chunks, this.collected);
    try {
      header = parseHeader(upTo === undefined ? bytes : bytes.subarray(0, upTo), complete, this.limits);
    } catch (err) {
      failure = err as Error;
    }
    this.settle(header, failure, upTo ?? this.collected);
  }

  private settle(header: ParsedHeader | undefined, failure: Error | undefined, attempted: number): void {
    if (this.header || this.failure) return;
    this.header = header;
    this.failure = failure;
    if (this.header || this.failure) this.chunks = [];
    else if (attempted >= this.maxHeaderBytes) {
      this.failure = new HeaderTooLargeError(`MAX_HEADER_BYTES=${this.maxHeaderBytes} exceeded: no Pixel Data within that many bytes`);
      this.chunks = [];
    } else this.nextAttempt = Math.min(attempted * 4, this.maxHeaderBytes);
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
