import { AppError } from '../../storage/errors.js';

/** A byte span, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

/**
 * One byte range from a Range header (RFC 9110 §14.1.2): "bytes=a-b",
 * "bytes=a-" or "bytes=-n". Several ranges are answered whole (allowed by
 * §14.2); an unsatisfiable range is a 416-style refusal.
 */
export function parseRange(header: string | undefined, length: number): Span | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, length - Number(m[2]));
    end = length;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? length : Math.min(length, Number(m[2]) + 1);
  }
  if (start >= length || end <= start) throw new AppError('invalid', `range ${header} is outside the ${length} bytes of the value`);
  return { start, end };
}
