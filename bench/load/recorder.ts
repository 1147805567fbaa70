// What one load run measured: latencies and statuses per operation, and
// the resident memory of the server (and of FerretDB/MinIO) over time.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { summarize, type Stats } from '../stats.js';
import type { Op } from './workload.js';

export interface OpSummary {
  op: Op;
  count: number;
  ok: number;
  /** Status (or "network") → count, for everything but 2xx. */
  errors: Record<string, number>;
  perSecond: number;
  latency: Stats;
}

export interface MemorySample {
  atSeconds: number;
  serverMb: number;
  helpersMb: number;
}

export class Recorder {
  private readonly ms = new Map<Op, number[]>();
  private readonly errors = new Map<Op, Map<string, number>>();
  readonly memory: MemorySample[] = [];
  private readonly started = performance.now();

  record(op: Op, ms: number, status: number | 'network'): void {
    if (!this.ms.has(op)) this.ms.set(op, []);
    this.ms.get(op)!.push(ms);
    if (typeof status === 'number' && status >= 200 && status < 300) return;
    const m = this.errors.get(op) ?? new Map<string, number>();
    m.set(String(status), (m.get(String(status)) ?? 0) + 1);
    this.errors.set(op, m);
  }

  sampleMemory(serverPid: number | undefined, helperPids: number[]): void {
    this.memory.push({
      atSeconds: (performance.now() - this.started) / 1000,
      serverMb: rssMb(serverPid),
      helpersMb: helperPids.reduce((sum, pid) => sum + (rssMb(pid) || 0), 0),
    });
  }

  summary(seconds: number): OpSummary[] {
    return [...this.ms].map(([op, samples]) => {
      const errors = Object.fromEntries(this.errors.get(op) ?? []);
      const failed = Object.values(errors).reduce((a, b) => a + b, 0);
      return { op, count: samples.length, ok: samples.length - failed, errors, perSecond: samples.length / seconds, latency: summarize(samples) };
    });
  }
}

/** Resident memory in MB from /proc (NaN when the process is gone or not on Linux). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Least-squares slope of server RSS over the second half of the run, in MB
 * per minute: the first half includes warm-up (JIT, caches, SQLite pages).
 */
export function memorySlopeMbPerMin(samples: MemorySample[]): number {
  const tail = samples.slice(Math.floor(samples.length / 2)).filter((s) => Number.isFinite(s.serverMb));
  if (tail.length < 3) return NaN;
  const n = tail.length;
  const mx = tail.reduce((a, s) => a + s.atSeconds, 0) / n;
  const my = tail.reduce((a, s) => a + s.serverMb, 0) / n;
  const num = tail.reduce((a, s) => a + (s.atSeconds - mx) * (s.serverMb - my), 0);
  const den = tail.reduce((a, s) => a + (s.atSeconds - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

/** The 5-minute load average (everything on the machine, ours included) and the core count. */
export function loadAverage(): { fiveMinutes: number; cores: number } {
  return { fiveMinutes: loadavg()[1], cores: availableParallelism() };
}
