// Command-line options of `npx tsx bench/load.ts [options]`.
import { parseArgs } from 'node:util';
import type { Backend } from '../server.js';

export interface LoadOptions {
  durationMs: number;
  backends: Backend[];
  concurrency: number;
  mix: { stow: number; qido: number; wado: number };
  sampleMs: number;
  logLevel: string;
  keepWork: boolean;
  /** Time every MongoDB command in the server and print the slowest shapes (mongo-trace.mjs). */
  traceMongo: boolean;
}

export const USAGE = `usage: npx tsx bench/load.ts [options]     (not part of npm test)
  --duration D      how long to run per backend: 90s, 10m, 1h (default 10m)
  --backend B       embedded | mongodb-s3 | both (default embedded); FerretDB + MinIO are started here
  --concurrency C   requests in flight (default 32)
  --mix M           operation weights, e.g. stow=30,qido=60,wado=10 (default; wado only when WADO-RS answers)
  --sample S        seconds between server memory samples (default 5)
  --keep-work       keep the data dirs (printed at the end)
  --log-level L     the server's LOG_LEVEL (default warn)
  --trace-mongo     time every MongoDB command in the server; prints total/avg time per command
                    and filter shape (mongodb-s3 only; adds a little overhead)
The server runs with its default limits; set them in the environment to try others.`;

export function parseLoadOptions(argv: string[]): LoadOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10m' },
      backend: { type: 'string', default: 'embedded' },
      concurrency: { type: 'string', default: '32' },
      mix: { type: 'string', default: 'stow=30,qido=60,wado=10' },
      sample: { type: 'string', default: '5' },
      'keep-work': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'warn' },
      'trace-mongo': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const backends: Backend[] = values.backend === 'both' ? ['embedded', 'mongodb-s3'] : [values.backend as Backend];
  for (const b of backends) if (b !== 'embedded' && b !== 'mongodb-s3') throw new Error(`--backend must be embedded, mongodb-s3 or both, got "${values.backend}"`);
  return {
    durationMs: duration(values.duration!),
    backends,
    concurrency: positive(values.concurrency!, '--concurrency'),
    mix: parseMix(values.mix!),
    sampleMs: positive(values.sample!, '--sample') * 1000,
    logLevel: values['log-level']!,
    keepWork: values['keep-work']!,
    traceMongo: values['trace-mongo']!,
  };
}

/** "90s", "10m", "1h", or plain seconds. */
export function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`--duration: expected e.g. 90s, 10m or 1h, got "${v}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function parseMix(v: string): LoadOptions['mix'] {
  const mix = { stow: 0, qido: 0, wado: 0 };
  for (const part of v.split(',')) {
    const [k, n] = part.split('=');
    if (!(k in mix) || !/^\d+$/.test(n ?? '')) throw new Error(`--mix: expected stow=N,qido=N,wado=N, got "${v}"`);
    mix[k as keyof typeof mix] = Number(n);
  }
  if (mix.stow + mix.qido + mix.wado === 0) throw new Error('--mix: all weights are 0');
  return mix;
}

function positive(v: string, name: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return Number(v);
}
