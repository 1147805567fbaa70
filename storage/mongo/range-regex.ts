/**
 * Regular expressions for string ranges, so that a range condition on a
 * multi-valued field is one predicate on ONE array element.
 *
 * Why not `{ $elemMatch: { $gte, $lte } }`: FerretDB 1.24 accepts it but lets
 * the two bounds be met by different elements (checked against the SQLite
 * backend), so `{ $gte: from, $lte: to }` on the `t` array would match a
 * record whose terms straddle the range, or even terms of another key. A
 * regex is matched element by element on MongoDB and FerretDB alike, and
 * MongoDB still turns its literal prefix into index bounds.
 *
 * Order is code point order, which equals UTF-8 byte order: what SQLite
 * (BINARY collation) and MongoDB (no collation) compare by. A shorter string
 * sorts before every longer string it is a prefix of.
 */

const ANY = '[\\s\\S]*';
const MAX_CODE_POINT = 0x10ffff;

/** Escapes every character that is special in PCRE (MongoDB) or RE2 (FerretDB). */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * A regex body (no anchors) matching exactly the strings s with
 * from <= s <= to; an absent bound is open. Undefined when no string can match.
 */
export function rangeRegex(from: string | undefined, to: string | undefined): string | undefined {
  if (from === undefined && to === undefined) return ANY;
  if (to === undefined) return atLeast(points(from!));
  if (from === undefined) return atMost(points(to));
  return between(points(from), points(to));
}

function between(from: number[], to: number[]): string | undefined {
  let p = 0;
  while (p < from.length && p < to.length && from[p] === to[p]) p++;
  const prefix = literal(from.slice(0, p));
  if (p === from.length) return prefix + atMost(to.slice(p)); // from is a prefix of to: only the upper bound binds
  if (p === to.length || from[p] > to[p]) return undefined; // from > to
  // First differing character: from[p] < to[p].
  const lo = from[p];
  const hi = to[p];
  const alternatives = [literal([lo]) + atLeast(from.slice(p + 1)), literal([hi]) + atMost(to.slice(p + 1))];
  if (hi - lo >= 2) alternatives.push(charRange(lo + 1, hi - 1) + ANY);
  return `${prefix}(?:${alternatives.join('|')})`;
}

/** s >= x: s starts with x, or first differs from x by a greater character. */
function atLeast(x: number[]): string {
  const alternatives = [literal(x) + ANY];
  for (let i = 0; i < x.length; i++) {
    if (x[i] < MAX_CODE_POINT) alternatives.push(literal(x.slice(0, i)) + charRange(x[i] + 1, MAX_CODE_POINT) + ANY);
  }
  return group(alternatives);
}

/** s <= x: s is a prefix of x (x included), or first differs from x by a smaller character. */
function atMost(x: number[]): string {
  const alternatives = [prefixOf(x)];
  for (let i = 0; i < x.length; i++) {
    if (x[i] > 0) alternatives.push(literal(x.slice(0, i)) + charRange(0, x[i] - 1) + ANY);
  }
  return group(alternatives);
}

/** Any prefix of x, the empty string and x itself included: (?:a(?:b(?:c)?)?)? */
function prefixOf(x: number[]): string {
  let out = '';
  for (let i = x.length - 1; i >= 0; i--) out = `(?:${literal([x[i]])}${out})?`;
  return out;
}

function group(alternatives: string[]): string {
  return alternatives.length === 1 ? alternatives[0] : `(?:${alternatives.join('|')})`;
}

function charRange(lo: number, hi: number): string {
  return lo === hi ? `\\x{${lo.toString(16)}}` : `[\\x{${lo.toString(16)}}-\\x{${hi.toString(16)}}]`;
}

function literal(cps: number[]): string {
  return escapeRegex(String.fromCodePoint(...cps));
}

function points(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!);
}
