import { resolve } from 'node:path';
import type { DuplicatePolicy } from '../storage/model.js';
import { type FhirConfig, loadFhirConfig } from './fhir-config.js';
import { type DeidConfig, loadDeidConfig } from '../deid/config.js';
import { type UploadConfig, loadUploadConfig } from '../api/config.js';
import type { JwtSettings } from './auth/jwt-verifier.js';
import { isLoopbackHost } from './auth/loopback.js';
import { type DependencyTimeouts, type Limits, loadDependencyTimeouts, loadLimits } from './limits/limits-config.js';

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
  /** Worker threads parsing DICOM headers at ingest; 0 parses on the main thread (dicom/header-parse-pool.ts). */
  headerParseWorkers: number;
  /** WADO-RS metadata: binary values larger than this (bytes) are sent as BulkDataURI. */
  bulkDataThreshold: number;
  /** The built OHIF viewer (dist/ of npm @ohif/app) served at /viewer, when installed. */
  viewerDir?: string;
  qido: { defaultLimit: number; maxLimit: number };
  extraSearchTags: string[];
  defaultTenant: string;
  logLevel: string;
  auth: AuthConfig;
  /** CORS_ORIGINS: browser origins allowed to call the server; empty turns CORS off. */
  cors: { origins: string[] };
  fhir: FhirConfig;
  /** De-identification (deid/config.ts): DEID_POLICY, DEID_TENANT_POLICIES, DEID_OPTIONS, DEID_SECRET, DEID_AUDIT. */
  deid: DeidConfig;
  /** Patient upload API (api/config.ts): DICOM_UPLOAD_ENABLED, UPLOAD_MAX_BYTES. */
  upload: UploadConfig;
  /** Resource limits with safe defaults (server/limits/limits-config.ts). */
  limits: Limits;
  /** How long MongoDB and S3 calls wait before the request answers 503. */
  timeouts: DependencyTimeouts;
}

export interface AuthConfig {
  /** 'none': every request is DEFAULT_TENANT with every permission (loopback only, or ALLOW_INSECURE_NO_AUTH). */
  mode: 'none' | 'required';
  /** realm of the WWW-Authenticate challenges. */
  realm: string;
  jwt?: JwtSettings;
  apiKeysFile?: string;
  /** ALLOW_INSECURE_NO_AUTH=true: no authentication off loopback, chosen on purpose. */
  insecureNoAuth: boolean;
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
    headerParseWorkers: Math.min(16, int(env.HEADER_PARSE_WORKERS, 0, 'HEADER_PARSE_WORKERS')),
    bulkDataThreshold: int(env.BULKDATA_THRESHOLD, 1024, 'BULKDATA_THRESHOLD'),
    viewerDir: env.OHIF_DIST ? resolve(env.OHIF_DIST) : undefined,
    qido: { defaultLimit: int(env.QIDO_DEFAULT_LIMIT, 100, 'QIDO_DEFAULT_LIMIT'), maxLimit: int(env.QIDO_MAX_LIMIT, 1000, 'QIDO_MAX_LIMIT') },
    extraSearchTags: (env.EXTRA_SEARCH_TAGS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    defaultTenant: env.DEFAULT_TENANT ?? 'default',
    logLevel: env.LOG_LEVEL ?? 'info',
    auth: authConfig(env, env.HOST ?? '127.0.0.1'),
    cors: { origins: list(env.CORS_ORIGINS) },
    fhir: loadFhirConfig(env, { host: env.HOST ?? '127.0.0.1', port: int(env.PORT, 8080, 'PORT'), publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/$/, '') }, int),
    deid: loadDeidConfig(env, dataDir),
    upload: loadUploadConfig(env),
    ...limitsAndTimeouts(env),
  };
}

/** Asymmetric algorithms only: with a JWKS, HS* would let a public key sign tokens, and `none` signs nothing. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * AUTH_MODE defaults to 'required' when any credential source is configured,
 * else to 'none' on a loopback HOST. Serving off loopback without
 * authentication refuses to start unless ALLOW_INSECURE_NO_AUTH=true.
 */
function authConfig(env: NodeJS.ProcessEnv, host: string): AuthConfig {
  const jwt = jwtSettings(env);
  const apiKeysFile = env.API_KEYS_FILE ? resolve(env.API_KEYS_FILE) : undefined;
  const configured = jwt !== undefined || apiKeysFile !== undefined;
  const insecureNoAuth = bool(env.ALLOW_INSECURE_NO_AUTH, 'ALLOW_INSECURE_NO_AUTH');
  const loopback = isLoopbackHost(host);
  const mode = env.AUTH_MODE
    ? oneOf(env.AUTH_MODE, ['none', 'required'], 'AUTH_MODE')
    : configured ? 'required' : loopback || insecureNoAuth ? 'none' : 'required';
  const refusal = `refusing to start: HOST=${host} is not a loopback address and authentication is not configured. `
    + 'Set AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL (or AUTH_JWKS_FILE), and/or API_KEYS_FILE; '
    + 'or set ALLOW_INSECURE_NO_AUTH=true to serve patient data to anyone who can reach this address';
  if (mode === 'none' && !loopback && !insecureNoAuth) throw new Error(refusal);
  if (mode === 'required' && !configured) {
    throw new Error(loopback || env.AUTH_MODE ? 'AUTH_MODE=required needs AUTH_ISSUER + AUTH_AUDIENCE + AUTH_JWKS_URL (or AUTH_JWKS_FILE), or API_KEYS_FILE' : refusal);
  }
  return { mode, realm: env.AUTH_REALM ?? 'dicomweb', jwt, apiKeysFile, insecureNoAuth };
}

function jwtSettings(env: NodeJS.ProcessEnv): JwtSettings | undefined {
  const names = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE'] as const;
  if (names.every((n) => !env[n])) return undefined;
  const missing: string[] = names.slice(0, 2).filter((n) => !env[n]);
  if (!env.AUTH_JWKS_URL === !env.AUTH_JWKS_FILE) missing.push('exactly one of AUTH_JWKS_URL, AUTH_JWKS_FILE');
  if (missing.length) throw new Error(`bearer token settings incomplete: set ${missing.join(', ')}`);
  const algorithms = env.AUTH_ALGORITHMS ? list(env.AUTH_ALGORITHMS) : JWT_ALGORITHMS;
  for (const a of algorithms) if (!JWT_ALGORITHMS.includes(a)) throw new Error(`AUTH_ALGORITHMS: "${a}" is not allowed; use ${JWT_ALGORITHMS.join(', ')}`);
  return {
    issuer: env.AUTH_ISSUER!,
    audience: env.AUTH_AUDIENCE!,
    jwks: env.AUTH_JWKS_URL ? { kind: 'url', url: jwksUrl(env.AUTH_JWKS_URL) } : { kind: 'file', file: resolve(env.AUTH_JWKS_FILE!) },
    tenantClaim: env.AUTH_TENANT_CLAIM ?? 'tenant',
    algorithms,
    clockToleranceS: int(env.AUTH_CLOCK_TOLERANCE_S, 30, 'AUTH_CLOCK_TOLERANCE_S'),
  };
}

/** https, or http to this machine only: keys fetched over plain http from afar could be swapped in transit. */
function jwksUrl(v: string): string {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`AUTH_JWKS_URL is not a URL: "${v}"`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return url.href;
  throw new Error('AUTH_JWKS_URL must be https (plain http only to a loopback address)');
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function bool(v: string | undefined, name: string): boolean {
  if (v === undefined || v === '') return false;
  if (v !== 'true' && v !== 'false') throw new Error(`${name} must be true or false, got "${v}"`);
  return v === 'true';
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

function limitsAndTimeouts(env: NodeJS.ProcessEnv): { limits: Limits; timeouts: DependencyTimeouts } {
  const limits = loadLimits(env);
  return { limits, timeouts: loadDependencyTimeouts(env, limits.http.requestTimeout.max) };
}
