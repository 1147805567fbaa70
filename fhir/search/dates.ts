/**
 * FHIR date, dateTime and instant values as spans of instants, and search
 * prefixes as comparisons on spans (R4 search.html#date, #prefix).
 *
 * A value covers its whole precision: "2024" is all of 2024, "2024-07-24T08:15"
 * the whole minute. Spans are [lo, hi] in UTC with millisecond precision, as
 * ISO strings, so comparing the strings compares the instants. A time without
 * an offset is taken as UTC (R4 lets the server choose).
 */
import type { DateComparison } from '../../storage/fhir-store.js';

export interface Span {
  lo: string;
  hi: string;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The span of a FHIR date/dateTime/instant, or undefined when it is not one. */
export function dateSpan(value: string): Span | undefined {
  const m = DATE_RE.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  if (month > 11 || day < 1 || day > 31 || (h && (Number(h) > 23 || Number(mi) > 59)) || (s && Number(s) > 59)) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const offsetMin = !tz || tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  const startUtc = Date.UTC(year, month, day, h ? Number(h) : 0, mi ? Number(mi) : 0, s ? Number(s) : 0, ms) - offsetMin * 60_000;
  const check = new Date(Date.UTC(year, month, day));
  if (check.getUTCMonth() !== month) return undefined; // e.g. 2024-02-30
  let end: number;
  if (frac) end = startUtc + 1;
  else if (s) end = startUtc + 1000;
  else if (mi) end = startUtc + 60_000;
  else if (d) end = startUtc + 86_400_000;
  else if (mo) end = Date.UTC(year, month + 1, 1);
  else end = Date.UTC(year + 1, 0, 1);
  const iso = (t: number) => new Date(t).toISOString();
  if (year < 1 || Number.isNaN(startUtc)) return undefined;
  return { lo: iso(startUtc), hi: iso(end - 1) };
}

/** The smallest span covering all (undefined ones ignored). */
export function mergeSpans(spans: Array<Span | undefined>): Span | undefined {
  const present = spans.filter((s): s is Span => !!s);
  if (present.length === 0) return undefined;
  return {
    lo: present.map((s) => s.lo).reduce((a, b) => (a < b ? a : b)),
    hi: present.map((s) => s.hi).reduce((a, b) => (a > b ? a : b)),
  };
}

export const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

/**
 * Alternatives of conjunctions on a target span [lo, hi] for `prefix` and the
 * search span q. R4: eq = q contains the target; gt/lt = the target reaches
 * past q; ge/le = gt/lt or eq; sa/eb = the target starts after / ends before q.
 */
export function prefixComparisons(prefix: DatePrefix, q: Span): DateComparison[][] {
  const contained: DateComparison[] = [{ field: 'lo', op: '>=', value: q.lo }, { field: 'hi', op: '<=', value: q.hi }];
  switch (prefix) {
    case 'eq': return [contained];
    case 'ne': return [[{ field: 'lo', op: '<', value: q.lo }], [{ field: 'hi', op: '>', value: q.hi }]];
    case 'gt': return [[{ field: 'hi', op: '>', value: q.hi }]];
    case 'lt': return [[{ field: 'lo', op: '<', value: q.lo }]];
    case 'ge': return [[{ field: 'hi', op: '>', value: q.hi }], contained];
    case 'le': return [[{ field: 'lo', op: '<', value: q.lo }], contained];
    case 'sa': return [[{ field: 'lo', op: '>', value: q.hi }]];
    case 'eb': return [[{ field: 'hi', op: '<', value: q.lo }]];
  }
}
