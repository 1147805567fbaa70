// Summary of the file bench/load/mongo-trace.mjs writes: per command shape,
// how often, total and average time, so the slow finds/updates stand out.
import { readFileSync } from 'node:fs';

export interface TraceRow {
  command: string;
  count: number;
  totalMs: number;
  avgMs: number;
  maxMs: number;
  failed: number;
}

export function summarizeTrace(file: string, top = 20): TraceRow[] {
  const rows = new Map<string, TraceRow>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  for (const line of text.split('\n')) {
    const [, ms, command, failed] = line.split('\t');
    if (!command) continue;
    const r = rows.get(command) ?? { command, count: 0, totalMs: 0, avgMs: 0, maxMs: 0, failed: 0 };
    r.count++;
    r.totalMs += Number(ms);
    r.maxMs = Math.max(r.maxMs, Number(ms));
    if (failed) r.failed++;
    rows.set(command, r);
  }
  for (const r of rows.values()) r.avgMs = r.totalMs / r.count;
  return [...rows.values()].sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
}

export function printTrace(rows: TraceRow[]): void {
  if (rows.length === 0) return;
  console.log('MongoDB commands by total time (latency as the server saw it, queueing included):');
  console.log(`${'total s'.padStart(8)}  ${'count'.padStart(6)}  ${'avg ms'.padStart(7)}  ${'max ms'.padStart(7)}  failed  command collection [filter keys]`);
  for (const r of rows) {
    console.log(`${(r.totalMs / 1000).toFixed(1).padStart(8)}  ${String(r.count).padStart(6)}  ${r.avgMs.toFixed(0).padStart(7)}  ${String(r.maxMs).padStart(7)}  ${String(r.failed).padStart(6)}  ${r.command}`);
  }
}
