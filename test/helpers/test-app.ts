import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { loadConfig } from '../../server/config.js';
import { buildContainer, type Container } from '../../server/container.js';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';

export type Backend = 'embedded+fs' | 'mongodb+s3';

export interface TestApp {
  app: Express;
  container: Container;
  close(): Promise<void>;
}

/**
 * A real server app on a fresh store: embedded SQLite + files in a temp dir,
 * or MongoDB (FerretDB) + S3 (MinIO) from the env the test launcher sets,
 * with a fresh database and key prefix so runs never see each other's data.
 */
export async function startTestApp(backend: Backend = 'embedded+fs', env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-test-'));
  const run = randomUUID().slice(0, 8);
  const base: Record<string, string | undefined> = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env };
  if (backend === 'mongodb+s3') {
    base.MONGODB_URL = required('MONGODB_URL');
    base.MONGODB_DB = `test_${run}`;
    base.S3_BUCKET = required('S3_BUCKET');
    base.S3_ENDPOINT = required('S3_ENDPOINT');
    base.S3_REGION = process.env.S3_REGION ?? 'us-east-1';
    base.S3_PREFIX = `run-${run}/`;
  }
  const config = loadConfig(base as NodeJS.ProcessEnv);
  const container = await buildContainer(config, createLogger('silent'));
  return {
    app: createApp(container),
    container,
    async close() {
      await container.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with "npm test", which starts FerretDB and MinIO`);
  return v;
}

/** Backends every HTTP suite runs on. */
export const BACKENDS: Backend[] = ['embedded+fs', 'mongodb+s3'];
