// Latency summaries. Nearest-rank percentiles: with 200 samples p95 is the
// 190th smallest value, an actual observation rather than an interpolation.

export interface Stats {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(samples: number[]): Stats {
  if (samples.length === 0) return { count: 0, mean: NaN, p50: NaN, p95: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return {
    count: sorted.length,
    mean: sorted.reduce((s, x) => s + x, 0) / sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    max: sorted[sorted.length - 1],
  };
}

/** a/b, or NaN when either side is missing or b is zero. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}
