import {
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, ByteRange } from './blob-store.js';
import { AppError } from './errors.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** For S3-compatible servers (MinIO); AWS when absent. */
  endpoint?: string;
  region: string;
  /** bucket in the path, not the host name: servers on an IP or localhost have no per-bucket DNS names. */
  forcePathStyle: boolean;
  /** Prepended to every key, so several deployments (or test runs) can share a bucket. */
  prefix: string;
  /** Keys per ListObjectsV2 page (S3's maximum, 1000, unless a test wants to see pagination). */
  listPageSize?: number;
  /** Time to open a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Time a socket may stay silent during a request (default 60 s), so a hung endpoint becomes a 503. */
  requestTimeoutMs?: number;
  /** Attempts per request, retries included (SDK default 3). */
  maxAttempts?: number;
}

/** S3 allows at most 10,000 parts: 8 MiB parts cap a blob at ~78 GiB, far above any DICOM instance. */
const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight: memory stays near (QUEUE_SIZE + 1) × PART_SIZE whatever the blob size. */
const QUEUE_SIZE = 2;

/**
 * Blobs as objects in one S3 bucket. Credentials come from the default AWS
 * chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role).
 * A blob becomes visible under its key only when its upload completes
 * (S3 semantics); a failed upload is aborted so it leaves no parts behind.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly listPageSize: number | undefined;

  constructor(options: S3BlobStoreOptions, client?: S3Client) {
    this.bucket = options.bucket;
    this.listPageSize = options.listPageSize;
    this.prefix = options.prefix && !options.prefix.endsWith('/') ? `${options.prefix}/` : options.prefix;
    this.client =
      client ??
      new S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle,
        maxAttempts: options.maxAttempts,
        requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 5_000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
      });
  }

  async put(key: string, body: Readable): Promise<{ size: number }> {
    const counter = new ByteCounter();
    // The pipeline passes a failure of `body` on to `counter`, which the upload reads: it then aborts.
    const feeding = pipeline(body, counter);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: counter },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    // If the upload fails first, stop feeding it (else backpressure would stall `feeding` for ever).
    const uploading = upload.done().catch((err) => {
      counter.destroy(err);
      throw err;
    });
    const [uploaded, fed] = await Promise.allSettled([uploading, feeding]);
    // Both settled: on failure the multipart upload has been aborted by now. The source's own error comes first.
    if (fed.status === 'rejected') throw mapS3Error(fed.reason, `cannot write blob ${key}`);
    if (uploaded.status === 'rejected') throw mapS3Error(uploaded.reason, `cannot write blob ${key}`);
    return { size: counter.bytes };
  }

  /** Ranges behave like Buffer.subarray: an empty or past-the-end range gives an empty stream. */
  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (range?.end !== undefined && range.end <= range.start) {
      // S3 would ignore a malformed "bytes=5-4" header and send the whole object.
      if ((await this.stat(key)) === undefined) throw new AppError('not-found', 'blob not found');
      return Readable.from([]);
    }
    const Range = range ? `bytes=${range.start}-${range.end === undefined ? '' : range.end - 1}` : undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range }));
      return out.Body as Readable; // in Node the SDK returns an http.IncomingMessage
    } catch (err) {
      if (isNotFound(err)) throw new AppError('not-found', 'blob not found');
      if (isUnsatisfiableRange(err)) return Readable.from([]);
      throw mapS3Error(err, `cannot read blob ${key}`);
    }
  }

  async stat(key: string): Promise<number | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return out.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw mapS3Error(err, `cannot stat blob ${key}`);
    }
  }

  /** Idempotent, like S3 DeleteObject itself. */
  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      throw mapS3Error(err, `cannot delete blob ${key}`);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket, Prefix: this.objectKey(prefix), ContinuationToken: token, MaxKeys: this.listPageSize,
          }),
        );
      } catch (err) {
        throw mapS3Error(err, `cannot list blobs under ${prefix}`);
      }
      for (const o of page.Contents ?? []) if (o.Key) yield o.Key.slice(this.prefix.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw mapS3Error(err, `bucket ${this.bucket} is not reachable`);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return this.prefix + key;
  }
}

/** Counts bytes on their way to the upload (the length is unknown up front). */
class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** 416: the range starts at or past the end of the object. */
function isUnsatisfiableRange(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'InvalidRange' || e?.$metadata?.httpStatusCode === 416;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Unreachable or overloaded S3 becomes AppError('unavailable') (503 at the edge); other errors pass unchanged. */
export function mapS3Error(err: unknown, what: string): unknown {
  if (err instanceof AppError) return err;
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : e?.$metadata?.httpStatusCode;
  const down =
    (e?.code !== undefined && NETWORK_CODES.has(e.code)) ||
    e?.name === 'TimeoutError' ||
    e?.name === 'RequestTimeout' ||
    (status !== undefined && status >= 500);
  if (!down) return err;
  return new AppError('unavailable', `${what}: blob store unavailable (${(err as Error).message})`, 'blob-unavailable', { cause: err });
}
