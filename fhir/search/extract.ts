/**
 * Search values of a resource, extracted when it is written (R4 search.html:
 * how each parameter type matches each element type). The store keeps them
 * in indexed columns/fields; a search never reads resource bodies.
 */
import type { FhirResourceJson, IndexEntry } from '../../storage/fhir-store.js';
import { dateSpan, mergeSpans } from './dates.js';
import type { SearchParamDef } from './params.js';
import { normalizeText } from './text.js';

/** Every value at a dotted path; arrays are flattened at each step. */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const step of path.split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      const child = v && typeof v === 'object' ? (v as Record<string, unknown>)[step] : undefined;
      if (Array.isArray(child)) next.push(...child);
      else if (child !== undefined && child !== null) next.push(child);
    }
    current = next;
  }
  return current;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const asString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function tokens(param: SearchParamDef, v: unknown): IndexEntry[] {
  const entry = (code: unknown, system: unknown): IndexEntry[] => {
    const c = asString(code);
    if (!c) return [];
    const s = asString(system);
    return [{ param: param.name, kind: 'token', code: c, ...(s ? { system: s } : {}) }];
  };
  if (typeof v === 'string' || typeof v === 'boolean') return entry(String(v), param.codeSystem);
  if (!isObject(v)) return [];
  if (Array.isArray(v.coding)) return v.coding.flatMap((c) => (isObject(c) ? entry(c.code, c.system) : [])); // CodeableConcept
  if ('code' in v) return entry(v.code, v.system); // Coding
  if ('value' in v) return entry(v.value, v.system); // Identifier
  return [];
}

/** `Type/id` references only: contained (`#x`), absolute and logical references are not indexed. */
export function referenceOf(v: unknown, targets?: string[]): string | undefined {
  const ref = isObject(v) ? asString(v.reference) : undefined;
  const m = ref ? /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
  if (!m || (targets && !targets.includes(m[1]))) return undefined;
  return ref;
}

function strings(param: SearchParamDef, v: unknown): IndexEntry[] {
  const texts: string[] = [];
  if (typeof v === 'string') texts.push(v);
  else if (isObject(v)) {
    // HumanName (and Address-like) values: every textual part is matched.
    for (const key of ['text', 'family', 'given', 'prefix', 'suffix']) {
      const part = v[key];
      if (typeof part === 'string') texts.push(part);
      else if (Array.isArray(part)) texts.push(...part.filter((p): p is string => typeof p === 'string'));
    }
  }
  return texts.filter(Boolean).map((exact) => ({ param: param.name, kind: 'string', exact, text: normalizeText(exact) }));
}

function spanOf(v: unknown): { lo: string; hi: string } | undefined {
  if (typeof v === 'string') return dateSpan(v);
  if (!isObject(v) || !('start' in v || 'end' in v)) return undefined; // Period
  const start = typeof v.start === 'string' ? dateSpan(v.start) : undefined;
  const end = typeof v.end === 'string' ? dateSpan(v.end) : undefined;
  if (!start && !end) return undefined;
  return { lo: start?.lo ?? '0001-01-01T00:00:00.000Z', hi: end?.hi ?? '9999-12-31T23:59:59.999Z' };
}

export function extractIndex(resource: FhirResourceJson, params: SearchParamDef[]): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const p of params) {
    const values = p.paths.flatMap((path) => valuesAt(resource, path));
    if (p.type === 'token') out.push(...values.flatMap((v) => tokens(p, v)));
    else if (p.type === 'string') out.push(...values.flatMap((v) => strings(p, v)));
    else if (p.type === 'reference') {
      for (const v of values) {
        const ref = referenceOf(v, p.targets);
        if (ref) out.push({ param: p.name, kind: 'reference', ref });
      }
    } else {
      // One span per date parameter (store contract): the union of all values.
      const span = mergeSpans(values.map(spanOf));
      if (span) out.push({ param: p.name, kind: 'date', ...span });
    }
  }
  return dedupe(out);
}

function dedupe(entries: IndexEntry[]): IndexEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = JSON.stringify(e);
    return !seen.has(key) && !!seen.add(key);
  });
}
