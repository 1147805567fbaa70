import { mkdtempSync } from 'node:fs';
import { startOurServer } from '../server.ts';
import { Dataset } from '../dataset.ts';
import { writeDataset } from '../dataset-files.ts';
import { runStow } from '../stow-phase.ts';
const n = Number(process.argv[2] ?? 600);
process.env.BENCH_SERVER_NODE_ARGS = process.env.ARGS ?? "";
const ds = new Dataset(2000, 'bench');
const files = writeDataset(ds, '/tmp/bx/ds-2000', console.log);
const s = await startOurServer(mkdtempSync('/tmp/bx/w-'), 'embedded', 'warn');
try {
  const r = await runStow(s, files, n, { concurrency: 4, batch: 1 }, console.log);
  console.log(r.instancesPerSec, r.serverCpuSeconds, r.latencyMs);
} finally { await s.stop(); }
