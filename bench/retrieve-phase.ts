// WADO-RS retrieve phases (PS3.18 §10.4): the same request sequence against
// each server in turn, `repeat` requests per phase at concurrency c, after a
// few untimed warm-up requests. Each phase is one resource a viewer uses:
// a study's metadata (§10.4.1.1.2), one instance (§10.4.1.1.3), one frame of
// a multi-frame instance (§10.4.1.1.6), a rendered instance (§10.4.1.1.4) and
// a thumbnail (§10.4.1.1.7). A server that does not offer a resource (the
// first probe answers 400/404/405/406/501) is reported as n/a for it.
import { rng, type Dataset } from './dataset.js';
import type { MultiframeFile } from './dataset-files.js';
import { HttpClient, pool, type HttpResult } from './http.js';
import { cpuSeconds, loadMeter } from './machine.js';
import type { RunningServer } from './server.js';
import { summarize, type Stats } from './stats.js';

export interface RetrieveSpec {
  path: string;
  accept: string;
  /** A response smaller than this is counted as an error (e.g. a truncated multipart body). */
  minBytes: number;
}

export interface TargetRetrieveResult {
  /** False when the server does not offer the resource; the other figures are then empty. */
  supported: boolean;
  unsupportedReason?: string;
  latencyMs: Stats;
  reqPerSec: number;
  /** 10^6 bytes of response body per second of wall time. */
  mbPerSec: number;
  meanBytes: number;
  errors: number;
  firstError?: string;
  serverCpuSeconds: number;
  otherLoadCores: number;
}

export interface RetrievePhaseResult {
  name: string;
  requests: number;
  byTarget: Record<string, TargetRetrieveResult>;
}

interface PhaseDef {
  name: string;
  make(r: () => number): RetrieveSpec;
}

const JSON_ACCEPT = 'application/dicom+json';
const DICOM_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
const UNSUPPORTED = new Set([400, 404, 405, 406, 415, 501]);

/** The retrieve phases over the dataset and the multi-frame instance, in the order they run. */
export function retrievePhases(ds: Dataset, mf: MultiframeFile): PhaseDef[] {
  const instance = (r: () => number) => {
    const i = Math.floor(r() * ds.n);
    const { study, series } = ds.locate(i);
    return { path: `studies/${study.uid}/series/${series.uid}/instances/${ds.sopUid(i)}`, series };
  };
  const mfPath = `studies/${mf.studyUid}/series/${mf.seriesUid}/instances/${mf.sopUid}`;
  return [
    {
      name: 'study metadata',
      make: (r) => {
        const study = ds.studies[Math.floor(r() * ds.studies.length)];
        const count = study.series.reduce((s, se) => s + se.count, 0);
        return { path: `studies/${study.uid}/metadata`, accept: JSON_ACCEPT, minBytes: count * 500 };
      },
    },
    {
      name: 'single instance',
      make: (r) => {
        const { path, series } = instance(r);
        return { path, accept: DICOM_ACCEPT, minBytes: series.rows * series.columns * 2 };
      },
    },
    {
      name: `frame of ${mf.frames}-frame`,
      make: (r) => ({ path: `${mfPath}/frames/${1 + Math.floor(r() * mf.frames)}`, accept: FRAME_ACCEPT, minBytes: mf.rows * mf.columns * 2 }),
    },
    { name: 'rendered (JPEG)', make: (r) => ({ path: `${instance(r).path}/rendered`, accept: 'image/jpeg', minBytes: 100 }) },
    { name: 'thumbnail (JPEG)', make: (r) => ({ path: `${instance(r).path}/thumbnail`, accept: 'image/jpeg', minBytes: 100 }) },
  ];
}

export async function runRetrieve(
  targets: RunningServer[], ds: Dataset, mf: MultiframeFile, opts: { repeat: number; concurrency: number; warmup: number },
  log: (msg: string) => void, beforeEach?: () => Promise<void>,
): Promise<RetrievePhaseResult[]> {
  const results: RetrievePhaseResult[] = [];
  for (const phase of retrievePhases(ds, mf)) {
    // One list per phase, the same for both servers; warm-up requests come from past its end.
    const specs = Array.from({ length: opts.repeat + opts.warmup }, (_, i) => phase.make(rng(ds.seed, 'retrieve', phase.name, i)));
    const byTarget: Record<string, TargetRetrieveResult> = {};
    for (const target of targets) {
      await beforeEach?.();
      byTarget[target.name] = await runPhase(target, specs.slice(0, opts.repeat), specs.slice(opts.repeat), opts.concurrency);
    }
    results.push({ name: phase.name, requests: opts.repeat, byTarget });
    log(`  ${phase.name}: ${targets.map((t) => describe(t.name, byTarget[t.name])).join(', ')}`);
  }
  return results;
}

function describe(name: string, r: TargetRetrieveResult): string {
  if (!r.supported) return `${name} n/a (${r.unsupportedReason})`;
  return `${name} p50 ${r.latencyMs.p50.toFixed(1)} ms${r.errors ? ` (${r.errors} errors)` : ''}`;
}

async function runPhase(target: RunningServer, specs: RetrieveSpec[], warmup: RetrieveSpec[], concurrency: number): Promise<TargetRetrieveResult> {
  const client = new HttpClient(target.dicomwebUrl, concurrency);
  const get = (spec: RetrieveSpec) => client.get(spec.path, { accept: spec.accept });
  try {
    const probe = await get(warmup[0] ?? specs[0]);
    if (UNSUPPORTED.has(probe.status)) {
      return { ...empty(), supported: false, unsupportedReason: `HTTP ${probe.status} ${probe.body.toString('utf8', 0, 120).replace(/\s+/g, ' ').trim()}` };
    }
    for (const spec of warmup.slice(1)) await get(spec);
    const cpuBefore = cpuSeconds(target.pid);
    const otherLoad = loadMeter();
    const started = performance.now();
    const responses = await pool(specs.length, concurrency, (i) => get(specs[i]));
    const seconds = (performance.now() - started) / 1000;
    const otherLoadCores = otherLoad();
    const serverCpuSeconds = cpuSeconds(target.pid) - cpuBefore;
    const bytes = responses.reduce((s, r) => s + r.body.length, 0);
    const bad = responses.map((r, i) => [r, specs[i]] as const).filter(([r, s]) => !ok(r, s));
    return {
      supported: true,
      latencyMs: summarize(responses.map((r) => r.ms)),
      reqPerSec: specs.length / seconds,
      mbPerSec: bytes / 1e6 / seconds,
      meanBytes: bytes / specs.length,
      errors: bad.length,
      firstError: bad[0] && `${bad[0][1].path} → HTTP ${bad[0][0].status}, ${bad[0][0].body.length} bytes: ${bad[0][0].body.toString('utf8', 0, 200)}`,
      serverCpuSeconds,
      otherLoadCores,
    };
  } finally {
    client.close();
  }
}

function ok(res: HttpResult, spec: RetrieveSpec): boolean {
  return res.status === 200 && res.body.length >= spec.minBytes;
}

function empty(): TargetRetrieveResult {
  const none = summarize([]);
  return { supported: true, latencyMs: none, reqPerSec: NaN, mbPerSec: NaN, meanBytes: NaN, errors: 0, serverCpuSeconds: NaN, otherLoadCores: NaN };
}
