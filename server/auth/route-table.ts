import type { AuditAction } from '../../storage/audit-store.js';
import type { Requirement } from './scopes.js';

/**
 * THE route table: every route the app serves, with the permission it needs
 * and the audit action it records. server/auth/access-control.ts applies it
 * before any router runs; test/auth/route-table.test.ts fails when the
 * Express app has a route that is not here (or an entry with no route), and
 * test/auth/isolation.test.ts exercises every entry with two tenants.
 *
 * Adding a route: add its entry here, in the same commit. A request that
 * matches no entry is refused (404) when AUTH_MODE=required.
 *
 * method   GET (also answers HEAD), POST, PUT, PATCH, DELETE, or USE (a
 *          mounted middleware such as static files: any method, path prefix)
 * path     Express syntax: `:name` one segment, `*name` the rest
 * access   'public', or alternatives any one of which is enough; a resource
 *          written `:type` is taken from that path parameter (FHIR)
 * audit    set on every route that touches patient data
 * family   groups routes for the isolation report
 * The first entry that matches wins, so specific paths come before general ones.
 */
export interface RouteRule {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'USE';
  path: string;
  access: 'public' | { anyOf: Requirement[] };
  audit?: AuditAction;
  family: RouteFamily;
}

export type RouteFamily = 'health' | 'stow' | 'qido' | 'wado' | 'delete' | 'deid' | 'viewer' | 'fhir' | 'audit' | 'admin' | 'upload';

const need = (resource: string, action: Requirement['action']): { anyOf: Requirement[] } => ({ anyOf: [{ resource, action }] });
/** The de-identified view: its own scope, or identified access of the same kind. */
const deid = (action: 'r' | 's') => ({ anyOf: [{ resource: 'deid', action }, { resource: 'dicomweb', action }] });

const DW = '/dicomweb';
const STUDY = `${DW}/studies/:study`;
const SERIES = `${STUDY}/series/:series`;
const INSTANCE = `${SERIES}/instances/:instance`;
const FRAMES = `${INSTANCE}/frames/:frames`;
/** WADO-RS retrieve (PS3.18 §10.4) and rendered resources (§10.4.1.1.3) at each level. */
const retrieve = (path: string): RouteRule => ({ method: 'GET', path, access: need('dicomweb', 'r'), audit: 'retrieve', family: 'wado' });

export const ROUTES: readonly RouteRule[] = [
  { method: 'GET', path: '/healthz', access: 'public', family: 'health' },
  { method: 'GET', path: '/readyz', access: 'public', family: 'health' },

  // STOW-RS
  { method: 'POST', path: `${DW}/studies`, access: need('dicomweb', 'c'), audit: 'store', family: 'stow' },
  { method: 'POST', path: STUDY, access: need('dicomweb', 'c'), audit: 'store', family: 'stow' },

  // QIDO-RS
  { method: 'GET', path: `${DW}/studies`, access: need('dicomweb', 's'), audit: 'search', family: 'qido' },
  { method: 'GET', path: `${DW}/series`, access: need('dicomweb', 's'), audit: 'search', family: 'qido' },
  { method: 'GET', path: `${DW}/instances`, access: need('dicomweb', 's'), audit: 'search', family: 'qido' },
  { method: 'GET', path: `${STUDY}/series`, access: need('dicomweb', 's'), audit: 'search', family: 'qido' },
  { method: 'GET', path: `${STUDY}/instances`, access: need('dicomweb', 's'), audit: 'search', family: 'qido' },
  { method: 'GET', path: `${SERIES}/instances`, access: need('dicomweb', 's'), audit: 'search', family: 'qido' },

  // WADO-RS (dicomweb/wado/wado-router.ts)
  ...[STUDY, SERIES, INSTANCE].map(retrieve),
  ...[STUDY, SERIES, INSTANCE].map((p) => retrieve(`${p}/metadata`)),
  retrieve(FRAMES),
  retrieve(`${INSTANCE}/bulkdata/*path`),
  ...[STUDY, SERIES, INSTANCE, FRAMES].flatMap((p) => [retrieve(`${p}/rendered`), retrieve(`${p}/thumbnail`)]),

  // Delete
  { method: 'DELETE', path: STUDY, access: need('dicomweb', 'd'), audit: 'delete', family: 'delete' },
  { method: 'DELETE', path: SERIES, access: need('dicomweb', 'd'), audit: 'delete', family: 'delete' },
  { method: 'DELETE', path: INSTANCE, access: need('dicomweb', 'd'), audit: 'delete', family: 'delete' },

  // De-identified view (dicomweb/deid/deid-router.ts): QIDO-RS, and WADO-RS on the same paths as /dicomweb
  ...['/studies', '/series', '/instances', '/studies/:study/series', '/studies/:study/instances', '/studies/:study/series/:series/instances']
    .map((p): RouteRule => ({ method: 'GET', path: `${DW}/deid${p}`, access: deid('s'), audit: 'search', family: 'deid' })),
  ...['/studies/:study', '/studies/:study/series/:series', '/studies/:study/series/:series/instances/:instance']
    .flatMap((p) => [p, `${p}/metadata`, `${p}/rendered`, `${p}/thumbnail`])
    .concat(['/studies/:study/series/:series/instances/:instance/frames/:frames', '/studies/:study/series/:series/instances/:instance/bulkdata/*path'])
    .concat(['rendered', 'thumbnail'].map((x) => `/studies/:study/series/:series/instances/:instance/frames/:frames/${x}`))
    .map((p): RouteRule => ({ method: 'GET', path: `${DW}/deid${p}`, access: deid('r'), audit: 'deidentify', family: 'deid' })),

  // Patient imaging API (api/router.ts)
  { method: 'POST', path: '/api/imaging/upload-dicom', access: need('upload', 'c'), audit: 'upload', family: 'upload' },
  { method: 'GET', path: '/api/imaging', access: need('upload', 's'), audit: 'search', family: 'upload' },

  // FHIR AuditEvent (served by server/audit, mounted before the FHIR router)
  { method: 'GET', path: '/fhir/AuditEvent', access: need('AuditEvent', 's'), family: 'audit' },
  { method: 'GET', path: '/fhir/AuditEvent/:event', access: need('AuditEvent', 'r'), family: 'audit' },

  // FHIR R4 REST, read-only (fhir/router.ts); the CapabilityStatement is public, as SMART discovery expects
  { method: 'GET', path: '/fhir/metadata', access: 'public', family: 'fhir' },
  // Answers only "system-level search is not supported": nothing to protect.
  { method: 'GET', path: '/fhir', access: 'public', family: 'fhir' },
  { method: 'GET', path: '/fhir/:type', access: need(':type', 's'), audit: 'fhir-search', family: 'fhir' },
  { method: 'GET', path: '/fhir/:type/:id', access: need(':type', 'r'), audit: 'fhir-read', family: 'fhir' },
  { method: 'GET', path: '/fhir/:type/:id/:operation', access: need(':type', 'r'), audit: 'fhir-read', family: 'fhir' },

  // Upstream FHIR push queue (fhir/push-admin.ts)
  { method: 'GET', path: '/admin/fhir-push', access: need('fhirpush', 'r'), family: 'admin' },
  { method: 'POST', path: '/admin/fhir-push/retry-failed', access: need('fhirpush', 'c'), audit: 'push', family: 'admin' },
  { method: 'POST', path: '/admin/fhir-resync', access: need('fhirpush', 'c'), audit: 'push', family: 'admin' },
];
