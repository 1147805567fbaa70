import { resolve } from 'node:path';
import type { DuplicatePolicy } from '../storage/model.js';

/**
 * All configuration, read from the environment in one place and validated at
 * boot. Nothing else reads process.env.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  publicBaseUrl?: string;
  index: { kind: 'embedded'; file: string } | { kind: 'mongodb'; url: string; database: string };
  blobs: { kind: 'fs'; root: string } | { kind: 's3'; bucket: string; endpoint?: string; region: string; forcePathStyle: boolean; prefix: string };
  duplicatePolicy: DuplicatePolicy;
  maxHeaderBytes: number;
  qido: { defaultLimit: number; maxLimit: number };
  extraSearchTags: string[];
  defaultTenant: string;
  logLevel: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.DATA_DIR ?? './data');
  return {
    port: int(env.PORT, 8080, 'PORT'),
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/$/, ''),
    index: env.MONGODB_URL
      ? { kind: 'mongodb', url: env.MONGODB_URL, database: env.MONGODB_DB ?? 'dicomweb' }
      : { kind: 'embedded', file: resolve(dataDir, 'index.sqlite') },
    blobs: env.S3_BUCKET
      ? {
          kind: 's3',
          bucket: env.S3_BUCKET,
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION ?? 'us-east-1',
          forcePathStyle: (env.S3_FORCE_PATH_STYLE ?? (env.S3_ENDPOINT ? 'true' : 'false')) === 'true',
          prefix: env.S3_PREFIX ?? '',
        }
      : { kind: 'fs', root: resolve(dataDir, 'blobs') },
    duplicatePolicy: oneOf(env.DUPLICATE_POLICY ?? 'reject', ['reject', 'overwrite'], 'DUPLICATE_POLICY'),
    maxHeaderBytes: int(env.MAX_HEADER_BYTES, 64 * 1024 * 1024, 'MAX_HEADER_BYTES'),
    qido: { defaultLimit: int(env.QIDO_DEFAULT_LIMIT, 100, 'QIDO_DEFAULT_LIMIT'), maxLimit: int(env.QIDO_MAX_LIMIT, 1000, 'QIDO_MAX_LIMIT') },
    extraSearchTags: (env.EXTRA_SEARCH_TAGS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    defaultTenant: env.DEFAULT_TENANT ?? 'default',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

function int(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function oneOf<T extends string>(v: string, allowed: T[], name: string): T {
  if (!allowed.includes(v as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}
