// `npm run bench -- [options]`: our server against Orthanc + DICOMweb on the
// same synthetic archive, in one run: generate → start both → STOW-RS to
// each → the same QIDO-RS mix against each → the same WADO-RS retrieve
// phases against each → tables + bench/results/*.json.
// Everything listens on 127.0.0.1 only, and every child process is stopped
// at the end, on error, and on Ctrl-C. See bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Dataset } from './dataset.js';
import { writeDataset, writeMultiframe } from './dataset-files.js';
import { readFileSync } from 'node:fs';
import { multipartBody, STOW_TYPE } from '../test/helpers/multipart.js';
import { HttpClient } from './http.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { startOrthanc } from './orthanc.js';
import { settle, waitQuiet } from './machine.js';
import { cleanupAll, installSignalHandlers, interrupted, onCleanup } from './procs.js';
import { runQido, type QidoResult } from './qido-phase.js';
import { countWarnings, qidoFooter, qidoTable, retrieveNotes, retrieveTable, stowTable, writeJson } from './report.js';
import { runRetrieve, type RetrievePhaseResult } from './retrieve-phase.js';
import { startOurServer } from './server.js';
import { runStow } from './stow-phase.js';

const servers: Array<{ deathNote(): string | undefined }> = [];
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function main(opts: BenchOptions): Promise<void> {
  installSignalHandlers();
  const work = mkdtempSync(join(tmpdir(), 'dicomweb-bench-'));
  // Registered first so it runs last, after the servers using it have stopped.
  onCleanup(async () => (opts.keepWork ? log(`kept work dir ${work}`) : rmSync(work, { recursive: true, force: true })));

  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memGb: Math.round(totalmem() / 2 ** 30), node: process.version };
  log(`machine: ${machine.cores} × ${machine.cpu}, ${machine.memGb} GB RAM, node ${machine.node}`);

  const ds = new Dataset(opts.n, opts.seed);
  log(`dataset: ${opts.n} instances, ${ds.studies.length} studies, ${ds.seriesCount} series (seed "${opts.seed}")`);
  const files = writeDataset(ds, opts.datasetDir ?? join(work, 'dataset'), log);

  log(`starting our server (${opts.backend}) and Orthanc`);
  const ours = await startOurServer(work, opts.backend, opts.logLevel);
  onCleanup(ours.stop);
  const orthanc = await startOrthanc(work);
  onCleanup(orthanc.stop);
  log(`ours at ${ours.dicomwebUrl}, ${orthanc.version} at ${orthanc.dicomwebUrl}`);

  // One server at a time, so the two never compete for CPU or disk.
  const stowOpts = { concurrency: opts.concurrency, batch: opts.batch };
  log(`STOW-RS: ${opts.n} instances (${(files.totalBytes / 1e6).toFixed(0)} MB), concurrency ${opts.concurrency}, ${opts.batch} instance(s)/request`);
  // A server that dies mid-run shows up as ECONNREFUSED; say which one, and why.
  servers.push(ours, orthanc);
  const pids = [ours.pid, orthanc.pid];
  const quiet = async () => {
    await settle(pids);
    const load = await waitQuiet(opts.waitQuietSeconds * 1000);
    if (load >= 0.25) log(`WARNING: other processes keep ${load.toFixed(2)} of ${machine.cores} cores busy; figures will be noisy`);
  };
  await quiet();
  const stowOurs = await runStow(ours, files, opts.n, stowOpts, log);
  await quiet();
  const stow = { ours: stowOurs, orthanc: await runStow(orthanc, files, opts.n, stowOpts, log) };
  console.log(`\n${stowTable(stow.ours, stow.orthanc)}\n`);
  for (const r of [stow.ours, stow.orthanc]) for (const f of r.failures) console.log(`WARNING STOW ${r.target}: ${f}`);

  let qido: QidoResult | undefined;
  if (!opts.skipQido) {
    log(`QIDO-RS: ${opts.repeat} requests per query type, concurrency ${opts.concurrency}, ${opts.warmup} warm-up`);
    await quiet();
    // Our default page size applies when a query sends no limit; Orthanc has none by default.
    const targets = [{ ...ours, defaultLimit: 100 }, { ...orthanc, defaultLimit: Infinity }];
    qido = await runQido(targets, ds, { repeat: opts.repeat, concurrency: opts.concurrency, warmup: opts.warmup }, log);
    console.log(`\n${qidoTable(qido, ours.name, orthanc.name)}`);
    console.log(`${qidoFooter(qido, ours.name, orthanc.name).join('\n')}\n`);
    const warnings = countWarnings(qido, ours.name, orthanc.name);
    for (const w of warnings) console.log(w);
    if (!warnings.length) console.log('result counts: both servers agree with the dataset model on every query');
  }

  let retrieve: RetrievePhaseResult[] | undefined;
  if (!opts.skipRetrieve) {
    // The multi-frame instance goes in now, untimed and after QIDO, so it changes no query's count.
    const mf = writeMultiframe(ds, opts.datasetDir ?? join(work, 'dataset'), log);
    const body = multipartBody([readFileSync(mf.path)]);
    for (const target of [ours, orthanc]) {
      const client = new HttpClient(target.dicomwebUrl, 1);
      const res = await client.post('studies', body, { 'content-type': STOW_TYPE, accept: 'application/dicom+json' });
      client.close();
      if (res.status !== 200) throw new Error(`${target.name} refused the multi-frame instance: HTTP ${res.status} ${res.body.toString('utf8', 0, 300)}`);
    }
    log(`WADO-RS: ${opts.repeat} requests per phase, concurrency ${opts.concurrency}, ${opts.warmup} warm-up`);
    retrieve = await runRetrieve([ours, orthanc], ds, mf, { repeat: opts.repeat, concurrency: opts.concurrency, warmup: opts.warmup }, log, quiet);
    console.log(`\n${retrieveTable(retrieve, ours.name, orthanc.name, opts.concurrency)}`);
    console.log(`${retrieveNotes(retrieve, ours.name, orthanc.name).join('\n')}\n`);
  }

  const file = writeJson(`${new Date().toISOString().replace(/[:.]/g, '-')}-${opts.backend}-n${opts.n}.json`, {
    options: opts, machine, orthanc: orthanc.version,
    dataset: { instances: opts.n, studies: ds.studies.length, series: ds.seriesCount, bytes: files.totalBytes },
    stow, qido, retrieve,
  });
  log(`results written to ${file}`);
}

let opts: BenchOptions | 'help';
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (opts === 'help') {
  console.log(USAGE);
} else {
  main(opts)
    .catch((err) => {
      if (interrupted()) return; // the servers were stopped under the running phase
      console.error(`bench failed: ${err instanceof Error ? err.stack ?? err.message : err}`);
      for (const s of servers) {
        const note = s.deathNote();
        if (note) console.error(note);
      }
      process.exitCode = 1;
    })
    .finally(() => cleanupAll());
}
