// QIDO-RS phase: every query type of the mix, `repeat` times at concurrency
// c, against each server in turn, after a few untimed warm-up requests.
// Result counts are checked against the dataset model and between servers.
import { rng, type Dataset } from './dataset.js';
import { HttpClient, pool } from './http.js';
import { cpuSeconds, loadMeter } from './machine.js';
import { QUERY_TYPES, type QuerySpec } from './queries.js';
import type { RunningServer } from './server.js';
import { summarize, type Stats } from './stats.js';

export interface QidoTarget extends RunningServer {
  /** Results a query without `limit` may return: QIDO_DEFAULT_LIMIT for us, unbounded for Orthanc. */
  defaultLimit: number;
}

export interface TargetQueryResult {
  latencyMs: Stats;
  reqPerSec: number;
  errors: number;
  firstError?: string;
  meanResults: number;
  /** Queries whose count differs from the model, and how many of those another semantics explains. */
  wrongCounts: number;
  explainedBy: Record<string, number>;
  examples: string[];
  counts: number[];
  /** CPU cores used by processes other than the benchmark's while this ran. */
  otherLoadCores: number;
}

export interface QueryTypeResult {
  name: string;
  byTarget: Record<string, TargetQueryResult>;
  /** Queries where the two servers returned different numbers of results. */
  disagreements: number;
}

export interface QidoResult {
  types: QueryTypeResult[];
  serverCpuSeconds: Record<string, number>;
  /** CPU of FerretDB/MinIO behind a server, when it has them. */
  helperCpuSeconds: Record<string, number>;
}

export async function runQido(
  targets: QidoTarget[], ds: Dataset, opts: { repeat: number; concurrency: number; warmup: number },
  log: (msg: string) => void,
): Promise<QidoResult> {
  const types: QueryTypeResult[] = [];
  const cpu: Record<string, number> = Object.fromEntries(targets.map((t) => [t.name, 0]));
  const helperCpu: Record<string, number> = {};
  const helpers = (t: QidoTarget) => (t.helperPids ?? []).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  for (const type of QUERY_TYPES) {
    const specs = Array.from({ length: opts.repeat }, (_, i) => type.make(rng(ds.seed, 'query', type.name, i), ds));
    const byTarget: Record<string, TargetQueryResult> = {};
    for (const target of targets) {
      const cpuBefore = cpuSeconds(target.pid);
      const helpersBefore = helpers(target);
      byTarget[target.name] = await runType(target, specs, opts);
      cpu[target.name] += cpuSeconds(target.pid) - cpuBefore;
      if (target.helperPids?.length) helperCpu[target.name] = (helperCpu[target.name] ?? 0) + helpers(target) - helpersBefore;
    }
    const [a, b] = targets.map((t) => byTarget[t.name].counts);
    const disagreements = b ? specs.filter((_, i) => a[i] !== b[i]).length : 0;
    types.push({ name: type.name, byTarget, disagreements });
    log(`  ${type.name}: ${targets.map((t) => `${t.name} p50 ${byTarget[t.name].latencyMs.p50.toFixed(1)} ms`).join(', ')}`);
  }
  return { types, serverCpuSeconds: cpu, helperCpuSeconds: helperCpu };
}

async function runType(target: QidoTarget, specs: QuerySpec[], opts: { concurrency: number; warmup: number }): Promise<TargetQueryResult> {
  const client = new HttpClient(target.dicomwebUrl, opts.concurrency);
  const get = (spec: QuerySpec) => client.get(spec.path, { accept: 'application/dicom+json' });
  try {
    // Warm-up: opens the keep-alive sockets and lets caches and JITs settle; not timed.
    for (const spec of specs.slice(0, opts.warmup)) await get(spec);
    const otherLoad = loadMeter();
    const started = performance.now();
    const responses = await pool(specs.length, opts.concurrency, (i) => get(specs[i]));
    const seconds = (performance.now() - started) / 1000;
    const otherLoadCores = otherLoad();

    const result: TargetQueryResult = {
      latencyMs: summarize(responses.map((r) => r.ms)),
      reqPerSec: specs.length / seconds,
      errors: 0,
      meanResults: 0,
      wrongCounts: 0,
      explainedBy: {},
      examples: [],
      counts: [],
      otherLoadCores,
    };
    responses.forEach((res, i) => {
      const spec = specs[i];
      const n = resultCount(res.status, res.body);
      result.counts.push(n);
      if (n < 0) {
        result.errors++;
        result.firstError ??= `${spec.path} → HTTP ${res.status} ${res.body.toString('utf8', 0, 300)}`;
        return;
      }
      result.meanResults += n / specs.length;
      const cap = spec.limit ?? target.defaultLimit;
      if (n === Math.min(spec.truth, cap)) return;
      result.wrongCounts++;
      const why = Object.entries(spec.variants ?? {}).find(([, v]) => Math.min(v, cap) === n)?.[0] ?? 'unexplained';
      result.explainedBy[why] = (result.explainedBy[why] ?? 0) + 1;
      if (result.examples.length < 3) result.examples.push(`${decodeURIComponent(spec.path)} → ${n}, model says ${Math.min(spec.truth, cap)} (${why})`);
    });
    return result;
  } finally {
    client.close();
  }
}

/** Number of results in a QIDO response; -1 for an error. 204 is "no matches" in older PS3.18 editions. */
function resultCount(status: number, body: Buffer): number {
  if (status === 204) return 0;
  if (status !== 200) return -1;
  try {
    const json = JSON.parse(body.toString('utf8'));
    return Array.isArray(json) ? json.length : -1;
  } catch {
    return -1;
  }
}
