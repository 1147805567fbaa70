import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../../../storage/blob-store.js';
import type { IndexStore } from '../../../storage/index-store.js';
import { EmbeddedIndexStore } from '../../../storage/embedded/embedded-index-store.js';
import { FsBlobStore } from '../../../storage/fs-blob-store.js';

/**
 * A backend for a child server plus a way to open the same stores in the
 * test process (after the child is dead, or while it idles), to check what
 * the server left behind without going through it.
 */
export interface ServerBackend {
  name: 'embedded' | 'mongodb+s3';
  /** Environment for the child server. */
  env: Record<string, string>;
  dataDir: string;
  open(): Promise<{ index: IndexStore; blobs: BlobStore; close(): Promise<void> }>;
  dispose(): Promise<void>;
}

export const SERVER_BACKENDS = ['embedded', 'mongodb+s3'] as const;

export async function serverBackend(name: ServerBackend['name'], services?: { mongoUrl: string; s3Endpoint: string; bucket: string }): Promise<ServerBackend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-faults-'));
  const dispose = () => rm(dataDir, { recursive: true, force: true });
  if (name === 'embedded') {
    return {
      name, dataDir, env: { DATA_DIR: dataDir }, dispose,
      async open() {
        const index = new EmbeddedIndexStore(join(dataDir, 'index.sqlite'));
        const blobs = new FsBlobStore(join(dataDir, 'blobs'));
        return { index, blobs, close: () => index.close() };
      },
    };
  }
  const run = randomUUID().slice(0, 8);
  const mongoUrl = services?.mongoUrl ?? required('MONGODB_URL');
  const endpoint = services?.s3Endpoint ?? required('S3_ENDPOINT');
  const bucket = services?.bucket ?? required('S3_BUCKET');
  const env = {
    DATA_DIR: dataDir, MONGODB_URL: mongoUrl, MONGODB_DB: `faults_${run}`,
    S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: 'true', S3_PREFIX: `faults-${run}/`,
  };
  return {
    name, dataDir, env, dispose,
    async open() {
      const { MongoIndexStore } = await import('../../../storage/mongo/mongo-index-store.js');
      const { S3BlobStore } = await import('../../../storage/s3-blob-store.js');
      const index = await MongoIndexStore.connect(mongoUrl, env.MONGODB_DB, { serverSelectionTimeoutMS: 5_000 });
      const blobs = new S3BlobStore({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true, prefix: env.S3_PREFIX });
      return { index, blobs, async close() { await index.close(); await blobs.close(); } };
    },
  };
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run with "npm test", which starts FerretDB and MinIO`);
  return v;
}
