// STOW-RS phase: sends every instance of the dataset to one server, k
// instances per multipart request, c requests in flight, and measures
// throughput, request latency and the server's own CPU and memory.
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { multipartBody, STOW_TYPE } from '../test/helpers/multipart.js';
import type { DatasetFiles } from './dataset-files.js';
import { HttpClient, pool } from './http.js';
import { cpuSeconds, loadMeter, peakRssMb } from './machine.js';
import type { RunningServer } from './server.js';
import { summarize, type Stats } from './stats.js';

export interface StowResult {
  target: string;
  instances: number;
  bytes: number;
  requests: number;
  seconds: number;
  instancesPerSec: number;
  mbPerSec: number;
  latencyMs: Stats;
  failedInstances: number;
  failures: string[];
  serverCpuSeconds: number;
  /** CPU of the services behind the server (FerretDB, MinIO), when there are any. */
  helperCpuSeconds?: number;
  peakRssMb: number;
  /** Bytes the server left on local disk (index + blobs), when it keeps them locally. */
  diskBytes?: number;
  /** CPU cores used by processes other than the benchmark's during the phase (a shared machine's noise). */
  otherLoadCores: number;
}

const REFERENCED_SOP_SEQUENCE = '00081199';

export async function runStow(
  target: RunningServer, files: DatasetFiles, n: number, opts: { concurrency: number; batch: number },
  log: (msg: string) => void,
): Promise<StowResult> {
  const client = new HttpClient(target.dicomwebUrl, opts.concurrency);
  const requests = Math.ceil(n / opts.batch);
  const latencies: number[] = [];
  const failures: string[] = [];
  let failedInstances = 0;
  let bytes = 0;
  let done = 0;
  let nextReport = 0.25;
  const cpuBefore = cpuSeconds(target.pid);
  const helperCpu = () => target.helperPids?.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const helperBefore = helperCpu();
  const otherLoad = loadMeter();
  const started = performance.now();
  try {
    await pool(requests, opts.concurrency, async (r) => {
      const first = r * opts.batch;
      const count = Math.min(opts.batch, n - first);
      // Read inside the timed loop: the files are in the page cache (just
      // written or read by the previous server), so this costs little.
      const parts = await Promise.all(Array.from({ length: count }, (_, j) => readFile(files.path(first + j))));
      const body = multipartBody(parts);
      bytes += parts.reduce((s, p) => s + p.length, 0);
      const res = await client.post('studies', body, { 'content-type': STOW_TYPE, accept: 'application/dicom+json' });
      latencies.push(res.ms);
      const stored = storedCount(res.status, res.body);
      if (stored < count) {
        failedInstances += count - stored;
        if (failures.length < 5) failures.push(`instances ${first}..${first + count - 1}: HTTP ${res.status} ${res.body.toString('utf8', 0, 300)}`);
      }
      done += count;
      if (done / n >= nextReport) {
        log(`  ${target.name}: ${done}/${n} stored (${((performance.now() - started) / 1000).toFixed(0)} s)`);
        nextReport += 0.25;
      }
    });
  } finally {
    client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const otherLoadCores = otherLoad(); // before dirBytes(), which is not part of the phase
  const stored = n - failedInstances;
  return {
    target: target.name,
    instances: stored,
    bytes,
    requests,
    seconds,
    instancesPerSec: stored / seconds,
    mbPerSec: bytes / 1e6 / seconds,
    latencyMs: summarize(latencies),
    failedInstances,
    failures,
    serverCpuSeconds: cpuSeconds(target.pid) - cpuBefore,
    helperCpuSeconds: helperBefore === undefined ? undefined : helperCpu()! - helperBefore,
    peakRssMb: peakRssMb(target.pid),
    diskBytes: target.dataDir ? dirBytes(target.dataDir) : undefined,
    otherLoadCores,
  };
}

/** Instances the STOW response says were stored (PS3.18 §10.5.3: ReferencedSOPSequence). */
function storedCount(status: number, body: Buffer): number {
  if (status !== 200 && status !== 202) return 0;
  try {
    const json = JSON.parse(body.toString('utf8'));
    const ds = Array.isArray(json) ? json[0] : json; // some servers wrap the dataset in an array
    return ds?.[REFERENCED_SOP_SEQUENCE]?.Value?.length ?? 0;
  } catch {
    return 0;
  }
}

/** Total size of the files under `dir` (du without the block rounding). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}
