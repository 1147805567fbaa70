/**
 * Accept header parsing for DICOMweb retrieve (PS3.18 §8.7.4, RFC 9110
 * §12.5.1): media ranges with their parameters, most preferred first. The
 * `accept` query parameter (PS3.18 §8.3.3.1) takes precedence over the header.
 */
export interface AcceptEntry {
  /** Lower-case media range, e.g. "multipart/related", "image/*". */
  type: string;
  /** Lower-case parameter names; values unquoted ("type", "transfer-syntax"). */
  params: Record<string, string>;
  q: number;
}

export function parseAccept(header: string | undefined, queryAccept?: unknown): AcceptEntry[] {
  const raw = typeof queryAccept === 'string' && queryAccept ? queryAccept : header;
  if (!raw || !raw.trim()) return [{ type: '*/*', params: {}, q: 1 }];
  const entries = splitTopLevel(raw, ',').map(parseEntry).filter((e): e is AcceptEntry => e !== undefined && e.q > 0);
  return entries.map((e, i) => ({ e, i })).sort((a, b) => b.e.q - a.e.q || a.i - b.i).map((x) => x.e);
}

function parseEntry(text: string): AcceptEntry | undefined {
  const [type, ...rest] = splitTopLevel(text, ';').map((s) => s.trim());
  if (!type) return undefined;
  const params: Record<string, string> = {};
  let q = 1;
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (name === 'q') q = Number(value) || 0;
    else params[name] = value;
  }
  return { type: type.toLowerCase(), params, q };
}

/** Splits on `sep` outside double quotes (a quoted type="a/b; c" stays whole). */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** True when the media range `range` (may hold wildcards) covers `type`. */
export function covers(range: string, type: string): boolean {
  if (range === '*/*' || range === '*') return true;
  if (range.endsWith('/*')) return type.startsWith(range.slice(0, -1));
  return range === type;
}
