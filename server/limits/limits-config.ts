import type { DatasetLimits, NamedLimit } from '../../dicom/dataset-limits.js';
import type { StowLimits } from '../../dicomweb/stow/stow-handler.js';

/**
 * Every resource limit, read from the environment with safe defaults (README
 * "Limits"). Each is a NamedLimit so the refusal can name the variable that
 * would lift it.
 */
export interface Limits {
  stow: StowLimits;
  dataset: DatasetLimits;
  http: HttpLimits;
  rate: RateLimits;
  /** Retrieval: the largest frame a codec may be asked to produce (rows x columns x samples). */
  decodeFrameSamples: NamedLimit;
}

export interface HttpLimits {
  /** Time to receive a request's headers (slowloris). */
  headersTimeout: NamedLimit;
  /** Time to receive a whole request, body included; 0 turns it off. */
  requestTimeout: NamedLimit;
  /** Time a connection with a request in progress may stay without traffic. */
  idleTimeout: NamedLimit;
  /** Time an idle keep-alive connection stays open between requests. */
  keepAliveTimeout: NamedLimit;
  /** Largest request head (request line and headers). */
  maxHeaderBytes: NamedLimit;
}

export interface RateLimits {
  /** Sustained requests per second per tenant; 0 turns rate limiting off. */
  perSecond: NamedLimit;
  /** Requests a tenant may send at once after being quiet. */
  burst: NamedLimit;
}

/** How long the server waits for MongoDB and S3 before answering 503. */
export interface DependencyTimeouts {
  mongoServerSelectionMs: number;
  mongoConnectMs: number;
  mongoSocketMs: number;
  s3ConnectMs: number;
  s3RequestMs: number;
  s3MaxAttempts: number;
  /** How often stores left pending (by an outage or a crash) are settled while running; 0: only at start. */
  pendingSweepIntervalMs: number;
  /** Only pending stores at least this old are settled (longer than any request can take). */
  pendingSweepMinAgeMs: number;
}

const MiB = 1024 * 1024;

export function loadLimits(env: NodeJS.ProcessEnv): Limits {
  const n = (name: string, dflt: number) => ({ name, max: nonNegative(env[name], dflt, name) });
  const http: HttpLimits = {
    headersTimeout: n('HTTP_HEADERS_TIMEOUT_MS', 20_000),
    requestTimeout: n('HTTP_REQUEST_TIMEOUT_MS', 15 * 60_000),
    idleTimeout: n('HTTP_IDLE_TIMEOUT_MS', 60_000),
    keepAliveTimeout: n('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000),
    maxHeaderBytes: n('HTTP_MAX_HEADER_BYTES', 16 * 1024),
  };
  if (http.requestTimeout.max > 0 && http.headersTimeout.max > http.requestTimeout.max) {
    throw new Error('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  for (const l of [http.headersTimeout, http.idleTimeout, http.maxHeaderBytes]) positive(l);
  const limits: Limits = {
    stow: { requestBytes: n('STOW_MAX_REQUEST_BYTES', 4 * 1024 * MiB), parts: n('STOW_MAX_PARTS', 5000) },
    dataset: {
      elementBytes: n('DICOM_MAX_ELEMENT_BYTES', 32 * MiB),
      sequenceDepth: n('DICOM_MAX_SEQUENCE_DEPTH', 32),
      elements: n('DICOM_MAX_ELEMENTS', 100_000),
      nestedBytes: n('DICOM_MAX_NESTED_BYTES', 256 * MiB),
      inflatedBytes: n('DICOM_MAX_INFLATED_BYTES', 256 * MiB),
    },
    http,
    rate: { perSecond: n('RATE_LIMIT_PER_SECOND', 500), burst: n('RATE_LIMIT_BURST', 1000) },
    decodeFrameSamples: n('DECODE_MAX_FRAME_SAMPLES', 64 * 1024 * 1024),
  };
  for (const l of [limits.stow.requestBytes, limits.stow.parts, ...Object.values(limits.dataset), limits.decodeFrameSamples]) positive(l);
  if (limits.rate.perSecond.max > 0) positive(limits.rate.burst);
  return limits;
}

export function loadDependencyTimeouts(env: NodeJS.ProcessEnv, requestTimeoutMs: number): DependencyTimeouts {
  const n = (name: string, dflt: number) => nonNegative(env[name], dflt, name);
  return {
    mongoServerSelectionMs: n('MONGODB_SERVER_SELECTION_TIMEOUT_MS', 5_000),
    mongoConnectMs: n('MONGODB_CONNECT_TIMEOUT_MS', 5_000),
    mongoSocketMs: n('MONGODB_SOCKET_TIMEOUT_MS', 60_000),
    s3ConnectMs: n('S3_CONNECT_TIMEOUT_MS', 5_000),
    s3RequestMs: n('S3_REQUEST_TIMEOUT_MS', 60_000),
    s3MaxAttempts: Math.max(1, n('S3_MAX_ATTEMPTS', 3)),
    pendingSweepIntervalMs: n('PENDING_SWEEP_INTERVAL_MS', 10 * 60_000),
    // Default: the request timeout (a store cannot outlive its request) plus a margin; a day when it is off.
    pendingSweepMinAgeMs: n('PENDING_SWEEP_MIN_AGE_MS', requestTimeoutMs > 0 ? requestTimeoutMs + 5 * 60_000 : 24 * 3_600_000),
  };
}

function nonNegative(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  if (!/^\d{1,15}$/.test(v)) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function positive(l: NamedLimit): void {
  if (l.max < 1) throw new Error(`${l.name} must be at least 1`);
}
