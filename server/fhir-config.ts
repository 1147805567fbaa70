/**
 * FHIR configuration, read from the environment by loadConfig (config.ts)
 * and validated at boot. Every variable has a default that works out of the
 * box; fhir/README.md documents them.
 */
import type { FhirMappingSettings } from '../core/fhir-sync/mapping-context.js';

export interface FhirConfig {
  mapping: FhirMappingSettings;
  search: { defaultCount: number; maxCount: number };
  sync: { concurrency: number; delayMs: number; retryMaxMs: number; readWaitMs: number };
  /** Set when FHIR_UPSTREAM_URL is: Bundles are then queued and pushed there. */
  upstream?: {
    baseUrl: string; bearerToken?: string; timeoutMs: number; backoffBaseMs: number; backoffMaxMs: number;
    /** FHIR_UPSTREAM_DELETE_MODE: how resources of deleted instances are retracted upstream (spec 10.4). */
    deleteMode: 'status' | 'delete';
  };
}

type Env = Record<string, string | undefined>;

/** Stable across deployments and hostnames: resource ids derive from it (spec 10.2), so set it before storing. */
export const DEFAULT_IDENTIFIER_BASE = 'urn:dicomweb-fhir-server:sid';
export const DEFAULT_CANONICAL_BASE = 'urn:dicomweb-fhir-server';
export const DEFAULT_PATIENT_ID_SYSTEM = 'urn:dicom:patient-id:default';

export function loadFhirConfig(env: Env, server: { host: string; port: number; publicBaseUrl?: string }, int: (v: string | undefined, d: number, n: string) => number): FhirConfig {
  const host = ['0.0.0.0', '::', ''].includes(server.host) ? 'localhost' : server.host;
  const origin = server.publicBaseUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
  const mode = oneOf(env.FHIR_MODE ?? 'identified', ['identified', 'deidentified'] as const, 'FHIR_MODE');
  if (mode === 'deidentified' && !env.FHIR_PSEUDONYM_SECRET) throw new Error('FHIR_MODE=deidentified needs FHIR_PSEUDONYM_SECRET (the HMAC key of Patient pseudonyms)');
  const upstreamUrl = env.FHIR_UPSTREAM_URL?.trim().replace(/\/+$/, '');
  if (upstreamUrl) uri(upstreamUrl, 'FHIR_UPSTREAM_URL', /^https?:\/\//);
  const backoffBaseMs = int(env.FHIR_PUSH_BACKOFF_BASE_MS, 1000, 'FHIR_PUSH_BACKOFF_BASE_MS');
  return {
    mapping: {
      dicomwebBaseUrl: uri(env.FHIR_DICOMWEB_BASE_URL ?? `${origin}/dicomweb`, 'FHIR_DICOMWEB_BASE_URL', /^https?:\/\//),
      identifierBase: uri(env.FHIR_IDENTIFIER_BASE ?? DEFAULT_IDENTIFIER_BASE, 'FHIR_IDENTIFIER_BASE'),
      canonicalBase: uri(env.FHIR_CANONICAL_BASE ?? DEFAULT_CANONICAL_BASE, 'FHIR_CANONICAL_BASE'),
      patientIdSystems: systemMap(env.PATIENT_ID_SYSTEMS, 'PATIENT_ID_SYSTEMS'),
      defaultPatientIdSystem: uri(env.DEFAULT_PATIENT_ID_SYSTEM ?? DEFAULT_PATIENT_ID_SYSTEM, 'DEFAULT_PATIENT_ID_SYSTEM'),
      accessionNumberSystem: env.ACCESSION_NUMBER_SYSTEM ? uri(env.ACCESSION_NUMBER_SYSTEM, 'ACCESSION_NUMBER_SYSTEM') : undefined,
      localCodingSchemes: systemMap(env.LOCAL_CODING_SCHEMES, 'LOCAL_CODING_SCHEMES'),
      defaultTimezone: timezone(env.FHIR_DEFAULT_TIMEZONE),
      mode,
      pseudonymSecret: env.FHIR_PSEUDONYM_SECRET,
      conditionMinReportStatus: oneOf(env.FHIR_CONDITION_MIN_REPORT_STATUS ?? 'final', ['final', 'preliminary'] as const, 'FHIR_CONDITION_MIN_REPORT_STATUS'),
      conditionVerificationStatus: oneOf(env.FHIR_CONDITION_VERIFICATION_STATUS ?? 'provisional',
        ['provisional', 'confirmed', 'unconfirmed', 'differential'] as const, 'FHIR_CONDITION_VERIFICATION_STATUS'),
      emitServiceRequestRef: oneOf(env.FHIR_EMIT_SERVICE_REQUEST_REF ?? 'false', ['true', 'false'] as const, 'FHIR_EMIT_SERVICE_REQUEST_REF') === 'true',
    },
    search: {
      defaultCount: int(env.FHIR_SEARCH_DEFAULT_COUNT, 20, 'FHIR_SEARCH_DEFAULT_COUNT'),
      maxCount: int(env.FHIR_SEARCH_MAX_COUNT, 500, 'FHIR_SEARCH_MAX_COUNT'),
    },
    sync: {
      concurrency: Math.max(1, int(env.FHIR_SYNC_CONCURRENCY, 2, 'FHIR_SYNC_CONCURRENCY')),
      delayMs: int(env.FHIR_SYNC_DELAY_MS, 200, 'FHIR_SYNC_DELAY_MS'),
      retryMaxMs: int(env.FHIR_SYNC_RETRY_MAX_MS, 60_000, 'FHIR_SYNC_RETRY_MAX_MS'),
      readWaitMs: int(env.FHIR_READ_WAIT_MS, 10_000, 'FHIR_READ_WAIT_MS'),
    },
    upstream: upstreamUrl
      ? {
          baseUrl: upstreamUrl,
          bearerToken: env.FHIR_UPSTREAM_BEARER_TOKEN || undefined,
          timeoutMs: int(env.FHIR_PUSH_TIMEOUT_MS, 60_000, 'FHIR_PUSH_TIMEOUT_MS'),
          backoffBaseMs,
          backoffMaxMs: Math.max(backoffBaseMs, int(env.FHIR_PUSH_BACKOFF_MAX_MS, 300_000, 'FHIR_PUSH_BACKOFF_MAX_MS')),
          deleteMode: oneOf(env.FHIR_UPSTREAM_DELETE_MODE ?? 'status', ['status', 'delete'] as const, 'FHIR_UPSTREAM_DELETE_MODE'),
        }
      : undefined,
  };
}

function uri(v: string, name: string, scheme: RegExp = /^[a-z][a-z0-9+.-]*:\S+$/i): string {
  const s = v.trim().replace(/\/+$/, '');
  if (!scheme.test(s) || /\s/.test(s)) throw new Error(`${name} must be an absolute URI${scheme.source.includes('http') ? ' (http or https)' : ''}, got "${v}"`);
  return s;
}

/** `{"HOSPA":"https://…"}` or `HOSPA=https://…,HOSPB=urn:oid:…`. */
function systemMap(v: string | undefined, name: string): Record<string, string> {
  if (!v?.trim()) return {};
  let pairs: Array<[string, unknown]>;
  if (v.trim().startsWith('{')) {
    try {
      pairs = Object.entries(JSON.parse(v));
    } catch {
      throw new Error(`${name} is not valid JSON`);
    }
  } else {
    pairs = v.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new Error(`${name}: expected KEY=URI pairs separated by commas, got "${p}"`);
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    });
  }
  return Object.fromEntries(pairs.map(([k, s]) => [k, uri(String(s), `${name}[${k}]`)]));
}

function timezone(v: string | undefined): string | undefined {
  if (!v) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
  } catch {
    throw new Error(`FHIR_DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Berlin, got "${v}"`);
  }
  return v;
}

function oneOf<T extends string>(v: string, allowed: readonly T[], name: string): T {
  if (!allowed.includes(v as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}
