import type { Filter } from 'mongodb';
import { AppError } from '../errors.js';
import type { Condition, SearchTerms } from '../model.js';
import { escapeRegex, rangeRegex } from './range-regex.js';

/**
 * Search terms live in ONE array of strings per document, `t: ['key=value']`,
 * indexed by {tenant: 1, t: 1}. Why this layout:
 * - keys are open-ended ('PatientName.word', …): one multikey index serves
 *   them all, instead of an index per key (MongoDB allows 64 per collection;
 *   wildcard indexes break inserts on FerretDB 1.24's SQLite backend);
 * - every condition is a predicate on a single array element ($in or an
 *   anchored regex), which MongoDB and FerretDB evaluate the same way.
 *   `t: [{k, v}]` with `$elemMatch: {k, v}` would need FerretDB 1.24 to
 *   support field conditions inside $elemMatch; it rejects them
 *   ("unknown operator: k") and silently matches nothing under $all;
 * - '=' never occurs in a key (keys are DICOM keywords plus '.word'), so
 *   'key=' is an exact prefix: an anchored regex on it never reaches into
 *   another key ('PatientName=' vs 'PatientName.word=').
 */
export const SEP = '=';

export interface TermFilter {
  t?: unknown;
  $and?: TermFilter[];
}

export function encodeTerms(terms: SearchTerms): string[] {
  const out: string[] = [];
  for (const [key, values] of Object.entries(terms)) {
    checkKey(key);
    for (const v of values) out.push(key + SEP + v);
  }
  return out;
}

/** Values of one key among encoded terms. */
export function termValues(encoded: string[], key: string): string[] {
  const head = key + SEP;
  return encoded.filter((e) => e.startsWith(head)).map((e) => e.slice(head.length));
}

/** The conditions as one filter on `t` (all must hold: AND, like the embedded INTERSECT). */
export function termsFilter(conditions: Condition[]): Filter<TermFilter> {
  const parts = conditions.flatMap(conditionFilters);
  return parts.length === 0 ? {} : { $and: parts };
}

function conditionFilters(c: Condition): TermFilter[] {
  checkKey(c.key);
  const head = c.key + SEP;
  switch (c.op) {
    case 'any':
      return [{ t: { $in: c.values.map((v) => head + v) } }];
    case 'wildcard':
      return [{ t: anchored(head, wildcardRegex(c.pattern)) }];
    case 'range': {
      const body = rangeRegex(c.from, c.to);
      return [{ t: body === undefined ? { $in: [] } : anchored(head, body) }];
    }
    case 'words':
      // Each prefix on its own element: every query word must start some word of the name.
      return c.prefixes.map((p) => ({ t: { $regex: '^' + escapeRegex(head + p) } }));
  }
}

/** `\z`, not `$`: PCRE's `$` also matches before a final newline. */
function anchored(head: string, body: string): { $regex: string } {
  return { $regex: `^${escapeRegex(head)}${body}\\z` };
}

/** DICOM '*' (any run) and '?' (one character), everything else literal (PS3.4 §C.2.2.2.4). */
export function wildcardRegex(pattern: string): string {
  return Array.from(pattern, (ch) => (ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : escapeRegex(ch))).join('');
}

function checkKey(key: string): void {
  if (key.includes(SEP)) throw new AppError('internal', `search key "${key}" contains "${SEP}"`);
}
