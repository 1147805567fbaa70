import type { Filter } from 'mongodb';
import type { DateComparison, IndexEntry, SearchCondition } from '../fhir-store.js';
import { escapeRegex } from './range-regex.js';

/**
 * Document shapes and search encoding of the MongoDB FHIR store.
 *
 * Token, reference and string values are strings in ONE array `t`, each the
 * JSON text of a tuple (`["code","s","http://loinc.org","1234-5"]`), indexed
 * by {tenant, type, t}. Why: FerretDB 1.24 rejects field conditions inside
 * $elemMatch (see terms.ts), so each condition must be a predicate on one
 * array element ($in or an anchored regex). A token is written three ways
 * (`c` code alone, `s` system and code, `y` system alone) so every FHIR
 * token form is an exact $in. Dates (one span per parameter) are fields
 * `d.<param>.lo/hi`, compared with plain range operators.
 */
export interface ResourceDoc {
  _id: string;
  tenant: string;
  type: string;
  id: string;
  version: number;
  lastUpdated: string;
  hash: string;
  indexHash: string;
  /** The resource as JSON text: it round-trips exactly, and client data never meets FerretDB's document limits. */
  json: string;
  t: string[];
  d: Record<string, { lo: string; hi: string }>;
}

export interface OwnerDoc {
  _id: string;
  tenant: string;
  owner: string;
  type: string;
  id: string;
}

export interface StudySyncDoc {
  _id: string;
  tenant: string;
  studyUid: string;
  token: string | null;
  markedAt?: string;
  enqueuedHash?: string;
  enqueuedBundle?: string | null;
}

export interface OutboxDoc {
  _id: number;
  tenant: string;
  studyUid: string;
  payload: string;
  enqueuedAt: string;
  state: 'pending' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  leaseUntil: string | null;
  lastError: string | null;
  lastAttemptAt: string | null;
}

const term = (...parts: string[]): string => JSON.stringify(parts);

function checkParam(param: string): void {
  // A date parameter becomes a field name: no '.', no leading '$'.
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(param)) throw new Error(`unsupported search parameter name "${param}"`);
}

export function encodeIndex(index: IndexEntry[]): Pick<ResourceDoc, 't' | 'd'> {
  const t: string[] = [];
  const d: ResourceDoc['d'] = {};
  for (const e of index) {
    checkParam(e.param);
    if (e.kind === 'token') t.push(term(e.param, 'c', e.code), term(e.param, 's', e.system ?? '', e.code), term(e.param, 'y', e.system ?? ''));
    else if (e.kind === 'reference') t.push(term(e.param, 'r', e.ref));
    else if (e.kind === 'string') t.push(term(e.param, 'w', e.text), term(e.param, 'e', e.exact));
    else d[e.param] = { lo: e.lo, hi: e.hi };
  }
  return { t: [...new Set(t)], d };
}

const OP = { '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' } as const;

function dateFilter(anyOf: DateComparison[][], field: (f: 'lo' | 'hi') => string): Filter<ResourceDoc> {
  const alternatives = anyOf.map((all) => ({ $and: all.map((c) => ({ [field(c.field)]: { [OP[c.op]]: c.value } })) }));
  return alternatives.length === 0 ? { _id: { $in: [] } } : { $or: alternatives };
}

/** The JSON text of `["param","w","value` without the closing `"]`, to anchor a regex on. */
const openTerm = (param: string, value: string): string => term(param, 'w', value).slice(0, -2);

function stringFilter(c: Extract<SearchCondition, { kind: 'string' }>): Filter<ResourceDoc> {
  if (c.match === 'exact') return { t: { $in: c.anyOf.map((v) => term(c.param, 'e', v)) } };
  const regexes = c.anyOf.map((v) => {
    if (c.match === 'prefix') return `^${escapeRegex(openTerm(c.param, v))}`;
    const head = openTerm(c.param, '');
    const needle = JSON.stringify(v).slice(1, -1);
    return `^${escapeRegex(head)}.*${escapeRegex(needle)}`;
  });
  return regexes.length === 0 ? { _id: { $in: [] } } : { $or: regexes.map(($regex) => ({ t: { $regex } })) };
}

export function conditionFilter(c: SearchCondition): Filter<ResourceDoc> {
  switch (c.kind) {
    case 'id':
      return { id: { $in: c.anyOf } };
    case 'lastUpdated':
      return dateFilter(c.anyOf, () => 'lastUpdated');
    case 'date':
      checkParam(c.param);
      return dateFilter(c.anyOf, (f) => `d.${c.param}.${f}`);
    case 'reference':
      return { t: { $in: c.anyOf.map((r) => term(c.param, 'r', r)) } };
    case 'string':
      return stringFilter(c);
    case 'token': {
      const terms = c.anyOf.map((m) => {
        const system = m.system === null ? '' : m.system;
        if (m.code === undefined) return term(c.param, 'y', system ?? '');
        return system === undefined ? term(c.param, 'c', m.code) : term(c.param, 's', system, m.code);
      });
      return { t: { $in: terms } };
    }
  }
}
