import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Streaming writer for multipart/related responses (RFC 2387, PS3.18
 * §8.6.1.2). Each part body is piped into the response with backpressure,
 * so a multi-GiB study passes through in constant memory.
 */
export class MultipartWriter {
  readonly boundary = `dicomweb-${randomBytes(12).toString('hex')}`;
  private parts = 0;

  constructor(private readonly out: Writable) {}

  /** Content-Type of the whole body; `type` is the media type of the parts (RFC 2387 §3.1). */
  contentType(type: string, extra = ''): string {
    return `multipart/related; type="${type}"; boundary=${this.boundary}${extra}`;
  }

  async part(headers: Record<string, string>, body: Readable | Buffer): Promise<void> {
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    await this.write(`${this.parts++ === 0 ? '' : '\r\n'}--${this.boundary}\r\n${head}\r\n`);
    if (Buffer.isBuffer(body)) await this.write(body);
    else await pipeline(body, this.out, { end: false });
  }

  async end(): Promise<void> {
    await this.write(`${this.parts === 0 ? '' : '\r\n'}--${this.boundary}--\r\n`);
    await new Promise<void>((resolve) => this.out.end(resolve));
  }

  private write(chunk: string | Buffer): Promise<void> {
    if (this.out.destroyed) return Promise.reject(new Error('client closed the connection'));
    return new Promise((resolve, reject) => {
      const ok = this.out.write(chunk, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else {
        const onClose = () => reject(new Error('client closed the connection'));
        this.out.once('close', onClose);
        this.out.once('drain', () => {
          this.out.off('close', onClose);
          resolve();
        });
      }
    });
  }
}
