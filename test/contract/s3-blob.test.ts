/**
 * The BlobStore contract on S3 (MinIO under `npm test`), plus connection
 * errors. Needs S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (set by test/infra/with-services.ts; for AWS itself,
 * S3_ENDPOINT=https://s3.<region>.amazonaws.com); without them these tests
 * fail, they never skip. Each run writes under its own key prefix.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, test } from 'node:test';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../storage/errors.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../../storage/s3-blob-store.js';
import { describeBlobStoreContract } from './blob-store.contract.js';
import { generated } from './blob-fixtures.js';

const REQUIRED = ['S3_ENDPOINT', 'S3_BUCKET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
const missing = REQUIRED.filter((name) => !process.env[name]);
const MISSING = `${missing.join(', ')} not set: run through \`npm test\` (test/infra/with-services.ts starts MinIO) or point them at an S3 server`;

function options(prefix: string): S3BlobStoreOptions {
  if (missing.length) throw new Error(MISSING);
  return {
    bucket: process.env.S3_BUCKET!,
    endpoint: process.env.S3_ENDPOINT,
    region: process.env.S3_REGION || 'us-east-1',
    forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true',
    prefix,
  };
}

test('S3 environment is set', () => {
  assert.deepEqual(missing, [], MISSING);
});

describeBlobStoreContract('s3', async () => {
  const prefix = `contract-${Date.now()}-${randomBytes(3).toString('hex')}/`;
  const opts = options(prefix);
  // Two keys per list page, so the contract's list test walks several pages.
  const store = new S3BlobStore({ ...opts, listPageSize: 2 });
  const admin = new S3Client({ region: opts.region, endpoint: opts.endpoint, forcePathStyle: opts.forcePathStyle });
  return {
    store,
    // Open multipart uploads of the key (MinIO lists them only for a full object name, not a folder prefix).
    async leftovers(key) {
      const out = await admin.send(new ListMultipartUploadsCommand({ Bucket: opts.bucket, Prefix: prefix + key }));
      return (out.Uploads ?? []).map((u) => `multipart upload of ${u.Key}`);
    },
    async dispose() {
      const keys: string[] = [];
      for await (const key of store.list('')) keys.push(key);
      await Promise.all(keys.map((k) => store.delete(k)));
      await store.close();
      admin.destroy();
    },
  };
});

describe('S3BlobStore specifics', () => {
  const dead = () => new S3BlobStore({ ...options('dead/'), endpoint: 'http://127.0.0.1:9' });
  const unavailable = (err: unknown) => err instanceof AppError && err.kind === 'unavailable';

  it('maps an unreachable endpoint to AppError unavailable', async () => {
    const store = dead();
    try {
      await assert.rejects(store.ping(), unavailable);
      await assert.rejects(store.stat('x'), unavailable);
      await assert.rejects(store.put('x', generated(1, 100)), unavailable);
    } finally {
      await store.close();
    }
  });
});
