/**
 * The scope scheme: SMART App Launch v2 scopes
 * (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html),
 * `<context>/<resource>.<permissions>`, extended with pseudo-resources for
 * what is not a FHIR resource type.
 *
 * context      `system` (backend services, PACS) or `user` (a person's app).
 *              `patient/...` scopes grant nothing here: this server does not
 *              enforce a patient compartment, so honouring them would give a
 *              patient app every patient's studies.
 * resource     a FHIR resource type (`ImagingStudy`, `Observation`, ...), `*`, or
 *   dicomweb   DICOMweb: c = STOW-RS store, r = WADO-RS retrieve (instances,
 *              metadata, frames, rendered, thumbnail, bulkdata), s = QIDO-RS
 *              search, d = delete
 *   deid       the de-identified view /dicomweb/deid/...: r and s
 *              (`dicomweb.r` / `dicomweb.s` include it: identified access
 *              covers the de-identified view)
 *   upload     the patient upload API /api/imaging: c, r, s
 *   fhirpush   /admin/fhir-push: c = trigger a push (and POST /admin/fhir-resync), r = read its status
 * permissions  v2: any of c r u d s, in that order (`rs`, `cruds`);
 *              v1 forms `read` (= rs), `write` (= cud) and `*` (= cruds) too.
 *
 * `*` covers every resource except the ADMIN ones below, which a scope must
 * name: `system/*.cruds` is a PACS or EHR integration, not an auditor.
 * A scope with a `?` constraint (SMART v2 fine-grained scopes) grants nothing:
 * the constraint cannot be enforced here, so ignoring it would widen access.
 */
export type Action = 'c' | 'r' | 'u' | 'd' | 's';

export interface Grant {
  context: 'system' | 'user';
  resource: string;
  actions: ReadonlySet<Action>;
}

/** One thing a route needs, e.g. { resource: 'dicomweb', action: 's' }. */
export interface Requirement {
  resource: string;
  action: Action;
}

/** Resources that `*` does not reach. */
export const ADMIN_RESOURCES: ReadonlySet<string> = new Set(['AuditEvent', 'fhirpush']);

const V2_ORDER = 'cruds';
const V1: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };
const SCOPE = /^(system|user|patient)\/([A-Za-z][A-Za-z0-9-]*|\*)\.([a-z*]+)$/;

/** Parses the grants of a scope list; scopes this server does not understand are dropped. */
export function parseScopes(scopes: readonly string[]): Grant[] {
  const grants: Grant[] = [];
  for (const scope of scopes) {
    const m = SCOPE.exec(scope);
    if (!m || m[1] === 'patient') continue;
    const actions = permissionLetters(m[3]!);
    if (actions) grants.push({ context: m[1] as Grant['context'], resource: m[2]!, actions: new Set(actions) });
  }
  return grants;
}

/** `rs` → ['r','s']; v1 words expanded; letters out of cruds order or repeated → undefined. */
function permissionLetters(p: string): Action[] | undefined {
  const letters = V1[p] ?? p;
  let last = -1;
  for (const ch of letters) {
    const at = V2_ORDER.indexOf(ch);
    if (at <= last) return undefined;
    last = at;
  }
  return [...letters] as Action[];
}

export function grantAllows(g: Grant, need: Requirement): boolean {
  const resourceMatches = g.resource === need.resource || (g.resource === '*' && !ADMIN_RESOURCES.has(need.resource));
  return resourceMatches && g.actions.has(need.action);
}

/** True when some grant satisfies some requirement (requirements are alternatives). */
export function allows(grants: readonly Grant[], anyOf: readonly Requirement[]): boolean {
  return anyOf.some((need) => grants.some((g) => grantAllows(g, need)));
}

/** The scope a client would ask for to satisfy a requirement (for the 403 challenge). */
export function scopeFor(need: Requirement): string {
  return `system/${need.resource}.${need.action}`;
}

/** A space-separated `scope` claim or an array `scp` claim, as identity providers differ. */
export function scopesOfClaims(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((s): s is string => typeof s === 'string');
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter(Boolean);
  return [];
}
