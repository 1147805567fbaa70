import type { NamedLimit } from '../../dicom/dataset-limits.js';
import { AppError } from '../../storage/errors.js';

/** A request-level limit hit: 413 at the edge, with the limit's name in the message and the code. */
export function limitExceeded(limit: NamedLimit, detail: string): AppError {
  return new AppError('too-large', `${limit.name}=${limit.max} exceeded: ${detail}`, limit.name);
}

/**
 * Passes a body through while counting its bytes; once more than the limit
 * have arrived it throws (and `error` says so) instead of yielding them. The
 * source is read with next() only, never return(): ending an http request's
 * iterator would destroy the socket before a 413 could be sent.
 */
export class ByteBudget implements AsyncIterable<Buffer> {
  private received = 0;
  error?: AppError;

  constructor(
    private readonly source: AsyncIterable<Buffer>,
    private readonly limit: NamedLimit,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const it = this.source[Symbol.asyncIterator]();
    for (;;) {
      if (this.error) throw this.error;
      const next = await it.next();
      if (next.done) return;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      this.received += chunk.length;
      if (this.received > this.limit.max) {
        this.error = limitExceeded(this.limit, 'the request body is larger');
        throw this.error;
      }
      yield chunk;
    }
  }
}
