import type { MatchKind } from './search-keys.js';

/**
 * One normalisation for stored values and query values, so they compare.
 * PN and 'ci' attributes match case- and accent-insensitively, which PS3.4
 * §C.2.2.2.1 allows for PN; for other text it is our documented choice.
 */
export function normalizeValue(kind: MatchKind, raw: string): string {
  const v = raw.trim();
  switch (kind) {
    case 'pn':
    case 'ci':
      return foldCase(v);
    case 'date':
      return v.replace(/[.\-/]/g, ''); // ACR-NEMA style 1993.01.02 → 19930102
    case 'time':
      return v.replace(/:/g, '');
    default:
      return v;
  }
}

export function foldCase(v: string): string {
  // Drop combining marks only: '^' (a PN component separator) is a Diacritic too.
  return v.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();
}

/** Words of a person name for fuzzy matching: every component of every group. */
export function nameWords(pn: string): string[] {
  return foldCase(pn)
    .split(/[\^=\s,]+/)
    .filter((w) => w !== '');
}

/**
 * Pads a TM bound to full precision (HHMMSS.FFFFFF) so string comparison works;
 * an upper bound is filled with the largest value (PS3.4 §C.2.2.2.5: ranges are inclusive).
 */
export function timeBound(t: string, upper: boolean): string {
  const [hms, frac = ''] = normalizeValue('time', t).split('.');
  const fill = upper ? '235959' : '000000';
  const padded = hms + fill.slice(hms.length);
  return `${padded}.${(frac + (upper ? '999999' : '000000')).slice(0, 6)}`;
}
