/**
 * What a failed push means (spec 10.3): can a retry fix it, and is the upstream
 * as a whole away. Kept apart from upstream.ts so the pusher never loads the
 * HTTP client.
 */
export class PushFailure extends Error {
  constructor(
    message: string,
    /** A later attempt may succeed (5xx, 429, network, timeouts, and 401/403/404/409, fixable by an operator). */
    readonly retryable: boolean,
    /** The upstream as a whole looks unreachable or overloaded: pause all pushing, not just this Bundle. */
    readonly unavailable: boolean,
  ) {
    super(message);
    this.name = 'PushFailure';
  }
}

/** 400/412/422 and the like are final: the same Bundle will be refused again (dead-lettered, spec 10.3). */
const RETRYABLE_4XX = new Set([401, 403, 404, 408, 409, 429]);
const UNAVAILABLE = new Set([429, 502, 503, 504]);

function diagnostics(data: unknown): string {
  const issues = (data as { issue?: Array<{ diagnostics?: string; code?: string }> })?.issue;
  if (Array.isArray(issues)) return issues.map((i) => i.diagnostics ?? i.code ?? '').filter(Boolean).join('; ');
  return typeof data === 'string' ? data : '';
}

export function classify(err: unknown): PushFailure {
  if (err instanceof PushFailure) return err;
  const response = (err as { response?: { status?: number; data?: unknown } })?.response;
  if (typeof response?.status === 'number') {
    const s = response.status;
    const detail = diagnostics(response.data).slice(0, 1000);
    const retryable = s >= 500 || RETRYABLE_4XX.has(s);
    return new PushFailure(`HTTP ${s}${detail ? `: ${detail}` : ''}`, retryable, UNAVAILABLE.has(s));
  }
  // fetch failures (refused, reset, DNS) and our timeout abort: the upstream is not there.
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return new PushFailure(`${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`, true, true);
}
