// Command-line options of `npm run bench -- [options]`.
import { parseArgs } from 'node:util';
import type { Backend } from './server.js';

export interface BenchOptions {
  n: number;
  backend: Backend;
  concurrency: number;
  batch: number;
  repeat: number;
  warmup: number;
  seed: string;
  datasetDir?: string;
  keepWork: boolean;
  logLevel: string;
  skipQido: boolean;
  skipRetrieve: boolean;
  waitQuietSeconds: number;
}

export const USAGE = `usage: npm run bench -- [options]
  --n N               instances to generate and store (default 2000)
  --quick             smoke run: N=200, 50 queries per type
  --backend B         our server's backend: embedded | mongodb-s3 (default embedded)
  --concurrency C     requests in flight, STOW, QIDO and WADO (default 4)
  --batch K           instances per STOW request (default 1)
  --repeat R          requests per QIDO query type and per retrieve phase (default 200)
  --warmup W          untimed requests per query type and server (default 10)
  --seed S            dataset and query seed (default "bench")
  --dataset-dir DIR   generate the dataset here and keep it; reused when N and seed match
  --keep-work         keep the servers' data dirs (printed at the end) for inspection
  --skip-qido         no QIDO-RS phase
  --skip-retrieve     no WADO-RS retrieve phases
  --wait-quiet SEC    on a shared machine, wait up to SEC seconds before each phase
                      for other processes to use < 0.25 cores (default 0: just report)
  --log-level L       our server's LOG_LEVEL (default warn)`;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string' },
      quick: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'embedded' },
      concurrency: { type: 'string', default: '4' },
      batch: { type: 'string', default: '1' },
      repeat: { type: 'string' },
      warmup: { type: 'string', default: '10' },
      seed: { type: 'string', default: 'bench' },
      'dataset-dir': { type: 'string' },
      'keep-work': { type: 'boolean', default: false },
      'skip-qido': { type: 'boolean', default: false },
      'skip-retrieve': { type: 'boolean', default: false },
      'wait-quiet': { type: 'string', default: '0' },
      'log-level': { type: 'string', default: 'warn' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (values.backend !== 'embedded' && values.backend !== 'mongodb-s3') throw new Error(`--backend must be embedded or mongodb-s3, got "${values.backend}"`);
  return {
    n: positive(values.n ?? (values.quick ? '200' : '2000'), '--n'),
    backend: values.backend,
    concurrency: positive(values.concurrency!, '--concurrency'),
    batch: positive(values.batch!, '--batch'),
    repeat: positive(values.repeat ?? (values.quick ? '50' : '200'), '--repeat'),
    warmup: positive(values.warmup!, '--warmup', 0),
    seed: values.seed!,
    datasetDir: values['dataset-dir'],
    keepWork: values['keep-work']!,
    logLevel: values['log-level']!,
    skipQido: values['skip-qido']!,
    skipRetrieve: values['skip-retrieve']!,
    waitQuietSeconds: positive(values['wait-quiet']!, '--wait-quiet', 0),
  };
}

function positive(v: string, name: string, min = 1): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${name} must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}
