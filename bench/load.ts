// Sustained mixed load (STOW + QIDO + WADO) against our server, on demand
// (not part of npm test):   npx tsx bench/load.ts --duration 10m --backend both
// Reports errors, p50/p95 latency per operation and the server's memory over
// time (is it flat?). See bench/load/options.ts for the options.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient } from './http.js';
import { cleanupAll, installSignalHandlers, onCleanup } from './procs.js';
import { startOurServer, type Backend } from './server.js';
import { USAGE, parseLoadOptions, type LoadOptions } from './load/options.js';
import { Recorder, loadAverage } from './load/recorder.js';
import { printLoadResult, type LoadResult } from './load/report.js';
import { printTrace, summarizeTrace } from './load/mongo-trace-report.js';
import { Workload, type Op } from './load/workload.js';

async function main(): Promise<void> {
  const opts = parseLoadOptions(process.argv.slice(2));
  if (opts === 'help') return void console.log(USAGE);
  installSignalHandlers();
  const results: LoadResult[] = [];
  try {
    for (const backend of opts.backends) results.push(await runOne(backend, opts));
  } finally {
    await cleanupAll();
  }
  for (const r of results) {
    printLoadResult(r);
    if (r.mongoTrace) printTrace(r.mongoTrace);
  }
  const out = resolve(dirname(fileURLToPath(import.meta.url)), 'results', `load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(`\nresults: ${out}`);
}

async function runOne(backend: Backend, opts: LoadOptions): Promise<LoadResult> {
  const work = mkdtempSync(join(tmpdir(), 'dicomweb-load-'));
  if (!opts.keepWork) onCleanup(async () => rmSync(work, { recursive: true, force: true }));
  console.error(`[load] ${backend}: starting the server${backend === 'mongodb-s3' ? ' with FerretDB and MinIO' : ''} in ${work}`);
  const traceFile = opts.traceMongo && backend === 'mongodb-s3' ? join(work, 'mongo-trace.tsv') : undefined;
  const untrace = traceFile ? traceServer(traceFile) : () => {};
  const server = await startOurServer(work, backend, opts.logLevel).finally(untrace);
  onCleanup(() => server.stop());
  const http = new HttpClient(server.dicomwebUrl, opts.concurrency);
  const workload = new Workload(http);
  const recorder = new Recorder();

  // A small archive first, so queries and retrievals have targets; WADO only if this build serves it.
  for (let i = 0; i < 20; i++) await workload.run('stow');
  const wado = opts.mix.wado > 0 && (await workload.probeWado());
  const ops = weightedOps(opts.mix, wado);

  const sampler = setInterval(() => recorder.sampleMemory(server.pid, server.helperPids ?? []), opts.sampleMs);
  recorder.sampleMemory(server.pid, server.helperPids ?? []);
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const progress = setInterval(() => {
    const done = (performance.now() - started) / opts.durationMs;
    console.error(`[load] ${backend}: ${(done * 100).toFixed(0)}%, ${workload.stored} instances stored`);
  }, 60_000);
  const client = async () => {
    while (performance.now() < deadline) {
      const op = ops[Math.floor(Math.random() * ops.length)];
      const t0 = performance.now();
      try {
        const res = await workload.run(op);
        recorder.record(op, res.ms, res.status);
      } catch {
        recorder.record(op, performance.now() - t0, 'network');
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(progress);
  recorder.sampleMemory(server.pid, server.helperPids ?? []);
  http.close();
  await server.stop();
  if (opts.keepWork) console.error(`[load] ${backend}: data kept in ${work}`);
  return {
    backend, seconds, concurrency: opts.concurrency, stored: workload.stored, wado, ops: recorder.summary(seconds), memory: recorder.memory,
    loadAverage: loadAverage(),
    ...(traceFile ? { mongoTrace: summarizeTrace(traceFile) } : {}),
  };
}

/**
 * Preloads mongo-trace.mjs into the server about to start (bench/server.ts
 * passes BENCH_SERVER_NODE_ARGS to node and the environment to the server);
 * returns what puts the environment back.
 */
function traceServer(file: string): () => void {
  const saved = { args: process.env.BENCH_SERVER_NODE_ARGS, file: process.env.MONGO_TRACE_FILE };
  const preload = join(dirname(fileURLToPath(import.meta.url)), 'load', 'mongo-trace.mjs');
  process.env.BENCH_SERVER_NODE_ARGS = `${saved.args ?? ''} --import ${preload}`.trim();
  process.env.MONGO_TRACE_FILE = file;
  return () => {
    for (const [k, v] of [['BENCH_SERVER_NODE_ARGS', saved.args], ['MONGO_TRACE_FILE', saved.file]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** A list to draw operations from uniformly, each repeated by its weight. */
function weightedOps(mix: LoadOptions['mix'], wado: boolean): Op[] {
  const out: Op[] = [];
  for (const op of ['stow', 'qido', 'wado'] as const) {
    const weight = op === 'wado' && !wado ? 0 : mix[op];
    for (let i = 0; i < weight; i++) out.push(op);
  }
  return out;
}

main().catch(async (err) => {
  console.error(err instanceof Error ? err.stack : err);
  await cleanupAll();
  process.exit(1);
});
