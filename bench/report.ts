// Prints the per-phase tables and writes the JSON results. Every ratio is
// oriented so that > 1 means our server did better: ours/Orthanc for
// throughput, Orthanc/ours for latency, CPU, memory and disk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QidoResult } from './qido-phase.js';
import type { RetrievePhaseResult } from './retrieve-phase.js';
import { ratio } from './stats.js';
import type { StowResult } from './stow-phase.js';

const fmt = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function stowTable(ours: StowResult, ref: StowResult): string {
  const row = (label: string, a: number | undefined, b: number | undefined, higherIsBetter: boolean, digits = 1) => [
    label, fmt(a, digits), fmt(b, digits), fmt(higherIsBetter ? ratio(a ?? NaN, b ?? NaN) : ratio(b ?? NaN, a ?? NaN), 2),
  ];
  const mb = (bytes?: number) => (bytes === undefined ? undefined : bytes / 1e6);
  return table(['STOW-RS', ours.target, ref.target, 'ratio'], [
    row('instances/s', ours.instancesPerSec, ref.instancesPerSec, true),
    row('MB/s', ours.mbPerSec, ref.mbPerSec, true),
    row('request p50 ms', ours.latencyMs.p50, ref.latencyMs.p50, false),
    row('request p95 ms', ours.latencyMs.p95, ref.latencyMs.p95, false),
    row('wall time s', ours.seconds, ref.seconds, false),
    row('server CPU ms/instance', (ours.serverCpuSeconds * 1000) / ours.instances, (ref.serverCpuSeconds * 1000) / ref.instances, false),
    ...(ours.helperCpuSeconds === undefined ? [] : [row('+ FerretDB/MinIO CPU ms/inst.', (ours.helperCpuSeconds * 1000) / ours.instances, NaN, false)]),
    row('server peak RSS MB', ours.peakRssMb, ref.peakRssMb, false, 0),
    row('disk used MB', mb(ours.diskBytes), mb(ref.diskBytes), false, 0),
    row('failed instances', ours.failedInstances, ref.failedInstances, false, 0),
    ["others' CPU load (cores)", fmt(ours.otherLoadCores, 2), fmt(ref.otherLoadCores, 2), ''],
  ]);
}

export function qidoTable(result: QidoResult, ours: string, ref: string): string {
  const rows = result.types.map((t) => {
    const a = t.byTarget[ours];
    const b = t.byTarget[ref];
    return [
      t.name,
      fmt(a.latencyMs.p50, 2), fmt(b.latencyMs.p50, 2), fmt(ratio(b.latencyMs.p50, a.latencyMs.p50), 2),
      fmt(a.latencyMs.p95, 2), fmt(b.latencyMs.p95, 2), fmt(ratio(b.latencyMs.p95, a.latencyMs.p95), 2),
      fmt(a.meanResults, 1), fmt(b.meanResults, 1),
    ];
  });
  return table(
    ['QIDO-RS (ms)', 'ours p50', 'orthanc p50', 'ratio', 'ours p95', 'orthanc p95', 'ratio', 'ours avg n', 'orthanc avg n'],
    rows,
  );
}

/** Server CPU over the whole QIDO phase and how busy other processes kept the machine. */
export function qidoFooter(result: QidoResult, ours: string, ref: string): string[] {
  const cpu = result.serverCpuSeconds;
  const helpers = result.helperCpuSeconds[ours] === undefined ? '' : ` (+ FerretDB/MinIO ${fmt(result.helperCpuSeconds[ours])} s)`;
  const load = (name: string) => fmt(result.types.reduce((s, t) => s + t.byTarget[name].otherLoadCores, 0) / result.types.length, 2);
  return [
    `server CPU during QIDO: ours ${fmt(cpu[ours])} s${helpers}, Orthanc ${fmt(cpu[ref])} s`,
    `others' CPU load during QIDO (cores): ours ${load(ours)}, Orthanc ${load(ref)}`,
  ];
}

/** One line per query type where a server's counts differ from the model or from each other. */
export function countWarnings(result: QidoResult, ours: string, ref: string): string[] {
  const lines: string[] = [];
  for (const t of result.types) {
    if (t.disagreements) lines.push(`WARNING ${t.name}: the servers returned different counts for ${t.disagreements}/${t.byTarget[ours].counts.length} queries`);
    for (const name of [ours, ref]) {
      const r = t.byTarget[name];
      if (r.errors) lines.push(`WARNING ${t.name}: ${name} failed ${r.errors} requests, first: ${r.firstError}`);
      if (!r.wrongCounts) continue;
      const why = Object.entries(r.explainedBy).map(([k, v]) => `${v} ${k === 'unexplained' ? 'UNEXPLAINED' : `consistent with ${k} matching`}`).join(', ');
      lines.push(`WARNING ${t.name}: ${name} count differs from the model in ${r.wrongCounts} queries (${why}); e.g. ${r.examples[0]}`);
    }
  }
  return lines;
}

/**
 * One row per retrieve phase: latency, throughput (MB/s of response bodies)
 * and server CPU per request, ours vs the reference, with ratios (> 1: we did
 * better). A resource the reference does not offer shows n/a.
 */
export function retrieveTable(phases: RetrievePhaseResult[], ours: string, ref: string, concurrency: number): string {
  const rows = phases.map((p) => {
    const a = p.byTarget[ours];
    const b = p.byTarget[ref];
    const v = (r: typeof a, x: number, digits = 1) => (r.supported ? fmt(x, digits) : 'n/a');
    const rt = (x: number) => (a.supported && b.supported ? fmt(x, 2) : 'n/a');
    const cpu = (r: typeof a) => (r.serverCpuSeconds * 1000) / p.requests;
    return [
      p.name,
      v(a, a.latencyMs.p50), v(b, b.latencyMs.p50), rt(ratio(b.latencyMs.p50, a.latencyMs.p50)),
      v(a, a.latencyMs.p95), v(b, b.latencyMs.p95), rt(ratio(b.latencyMs.p95, a.latencyMs.p95)),
      v(a, a.mbPerSec), v(b, b.mbPerSec), rt(ratio(a.mbPerSec, b.mbPerSec)),
      v(a, a.reqPerSec), v(b, b.reqPerSec),
      v(a, cpu(a)), v(b, cpu(b)),
    ];
  });
  return table(
    [`WADO-RS (c=${concurrency})`, 'ours p50 ms', 'orthanc p50', 'ratio', 'ours p95', 'orthanc p95', 'ratio', 'ours MB/s', 'orthanc MB/s', 'ratio', 'ours req/s', 'orthanc req/s', 'ours CPU ms/req', 'orthanc CPU ms/req'],
    rows,
  );
}

/** Errors, unsupported resources and machine noise per retrieve phase. */
export function retrieveNotes(phases: RetrievePhaseResult[], ours: string, ref: string): string[] {
  const lines: string[] = [];
  for (const p of phases) {
    for (const name of [ours, ref]) {
      const r = p.byTarget[name];
      if (!r.supported) lines.push(`n/a ${p.name}: ${name} does not offer it (${r.unsupportedReason})`);
      else if (r.errors) lines.push(`WARNING ${p.name}: ${name} failed ${r.errors}/${p.requests} requests, first: ${r.firstError}`);
    }
  }
  const load = (name: string) => {
    const xs = phases.map((p) => p.byTarget[name]).filter((r) => r.supported).map((r) => r.otherLoadCores);
    return fmt(xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length), 2);
  };
  lines.push(`others' CPU load during WADO-RS (cores): ours ${load(ours)}, Orthanc ${load(ref)}`);
  return lines;
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Writes the full results (per-query counts included) as JSON; returns the file path. */
export function writeJson(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, name);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
