// The summary table of a load run.
import type { TraceRow } from './mongo-trace-report.js';
import { memorySlopeMbPerMin, type MemorySample, type OpSummary } from './recorder.js';

export interface LoadResult {
  backend: string;
  seconds: number;
  concurrency: number;
  stored: number;
  wado: boolean;
  ops: OpSummary[];
  memory: MemorySample[];
  /** The machine's 5-minute load average at the end, against its cores: on a shared machine, how far to trust the figures. */
  loadAverage: { fiveMinutes: number; cores: number };
  /** With --trace-mongo: MongoDB commands by total time. */
  mongoTrace?: TraceRow[];
}

export function printLoadResult(r: LoadResult): void {
  const rows = r.ops.map((o) => [
    o.op, String(o.count), o.perSecond.toFixed(1), String(o.count - o.ok),
    Object.entries(o.errors).map(([s, n]) => `${s}×${n}`).join(' ') || '-',
    ms(o.latency.p50), ms(o.latency.p95), ms(o.latency.max),
  ]);
  console.log(`\n== ${r.backend}: ${(r.seconds / 60).toFixed(1)} min at concurrency ${r.concurrency}, ${r.stored} instances stored${r.wado ? '' : ' (WADO-RS not available: no wado operations)'}`
    + `; machine load average ${r.loadAverage.fiveMinutes.toFixed(1)} on ${r.loadAverage.cores} cores`);
  table(['operation', 'requests', 'req/s', 'errors', 'by status', 'p50', 'p95', 'max'], rows);
  const mem = r.memory.filter((m) => Number.isFinite(m.serverMb));
  if (mem.length) {
    const first = mem[0].serverMb;
    const peak = Math.max(...mem.map((m) => m.serverMb));
    const last = mem[mem.length - 1].serverMb;
    const slope = memorySlopeMbPerMin(mem);
    console.log(`server RSS: start ${first.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, end ${last.toFixed(0)} MB; `
      + `second-half trend ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MB/min`
      + (mem[0].helpersMb ? `; FerretDB+MinIO end ${mem[mem.length - 1].helpersMb.toFixed(0)} MB` : ''));
    const step = Math.max(1, Math.floor(mem.length / 12));
    console.log(`RSS over time (s: MB): ${mem.filter((_, i) => i % step === 0 || i === mem.length - 1).map((m) => `${m.atSeconds.toFixed(0)}: ${m.serverMb.toFixed(0)}`).join(', ')}`);
  }
}

function ms(v: number): string {
  return Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms` : '-';
}

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
