/**
 * String search normalisation (R4 search.html#string): case- and
 * accent-insensitive, so "müller" finds "Müller" and "MULLER".
 */
export function normalizeText(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
