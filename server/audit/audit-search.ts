import type { AuditQuery } from '../../storage/audit-store.js';

export type AuditSearch = Omit<AuditQuery, 'tenant'>;

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 500;

/** A search parameter the client got wrong (400 OperationOutcome). */
export class AuditSearchError extends Error {}

/** AuditEvent.outcome → response status range (see audit-event.ts outcomeOf). */
const OUTCOME_STATUS: Record<string, { min: number; max: number }> = {
  '0': { min: 100, max: 400 },
  '4': { min: 400, max: 500 },
  '8': { min: 500, max: 600 },
  '12': { min: 0, max: 0 }, // never recorded: this server has no "major failure"
};

/**
 * The search parameters of GET /fhir/AuditEvent:
 *   date       prefixes eq (default), ge, gt, le, lt; precision year to second;
 *              repeat to bound both ends (date=ge2024-01-01&date=lt2024-02-01)
 *   agent      the agent's identifier value (token subject or API key id);
 *              `system|value` accepted, the system is ignored
 *   entity-id  a study: `urn:oid:<uid>` or the bare UID (alias: study)
 *   outcome    0 | 4 | 8 | 12
 *   _count     page size (default 50, at most 500); _offset skips records
 * Anything else is refused: silently ignoring a filter would return more
 * than the caller asked for.
 */
export function parseAuditSearch(query: Record<string, unknown>): AuditSearch {
  const s: AuditSearch = { limit: DEFAULT_COUNT, offset: 0 };
  for (const [name, raw] of Object.entries(query)) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string') throw new AuditSearchError(`search parameter ${name} has no value`);
      apply(s, name, value);
    }
  }
  return s;
}

function apply(s: AuditSearch, name: string, value: string): void {
  switch (name) {
    case 'date': return applyDate(s, value);
    case 'agent': s.agentId = value.includes('|') ? value.slice(value.indexOf('|') + 1) : value; return;
    case 'entity-id':
    case 'study': s.studyUid = value.replace(/^urn:oid:/, ''); return;
    case 'outcome': {
      const range = OUTCOME_STATUS[value];
      if (!range) throw new AuditSearchError('outcome must be one of 0, 4, 8, 12');
      s.status = range;
      return;
    }
    case '_count': s.limit = Math.min(count(name, value), MAX_COUNT); return;
    case '_offset': s.offset = count(name, value); return;
    default: throw new AuditSearchError(`unsupported search parameter "${name}"; supported: date, agent, entity-id, study, outcome, _count, _offset`);
  }
}

function count(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new AuditSearchError(`${name} must be a non-negative integer`);
  return Number(value);
}

const DATE = /^(eq|ge|gt|le|lt)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Narrows [since, until) by one date parameter, each value standing for its whole precision period. */
function applyDate(s: AuditSearch, value: string): void {
  const m = DATE.exec(value);
  if (!m) throw new AuditSearchError(`date "${value}" is not a FHIR date or dateTime with an optional eq/ge/gt/le/lt prefix`);
  const [, prefix = 'eq', y, mo, d, h, mi, sec, zone] = m;
  const start = new Date(`${y}-${mo ?? '01'}-${d ?? '01'}T${h ?? '00'}:${mi ?? '00'}:${sec ?? '00'}${zone ?? 'Z'}`);
  if (Number.isNaN(start.getTime())) throw new AuditSearchError(`date "${value}" is not a valid date`);
  const end = new Date(start);
  if (sec !== undefined) end.setUTCSeconds(end.getUTCSeconds() + 1);
  else if (mi !== undefined) end.setUTCMinutes(end.getUTCMinutes() + 1);
  else if (d !== undefined) end.setUTCDate(end.getUTCDate() + 1);
  else if (mo !== undefined) end.setUTCMonth(end.getUTCMonth() + 1);
  else end.setUTCFullYear(end.getUTCFullYear() + 1);
  const [from, to] = [start.toISOString(), end.toISOString()];
  const since = (v: string) => (s.since = s.since && s.since > v ? s.since : v);
  const until = (v: string) => (s.until = s.until && s.until < v ? s.until : v);
  if (prefix === 'eq') since(from), until(to);
  else if (prefix === 'ge') since(from);
  else if (prefix === 'gt') since(to);
  else if (prefix === 'le') until(to);
  else until(from);
}
