import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { DeidTransform } from '../../deid/deid-stream.js';
import type { DeidEngine, DeidOutcome } from '../../deid/engine.js';

/** Python with pydicom (and deid) from the test launcher's venv. */
export const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
const HERE = new URL('.', import.meta.url).pathname;

/** One data element as pydicom reads it: [path, tag, VR, value]. */
export type FlatElement = [path: string, tag: string, vr: string, value: string];

export interface Dump {
  path: string;
  error?: string;
  elements?: FlatElement[];
  pixel_sha256?: string | null;
  meta?: Record<string, string>;
}

/** Reads files with pydicom (test/deid/dump_datasets.py). */
export function pydicomDump(paths: string[]): Map<string, Dump> {
  const out = execFileSync(PYTHON, [`${HERE}dump_datasets.py`], { input: JSON.stringify(paths), maxBuffer: 1 << 30, encoding: 'utf8' });
  return new Map((JSON.parse(out) as Dump[]).map((d) => [d.path, d]));
}

/** dcmdump's verdict: exit status and its error lines (E:/F:). */
export function dcmdumpErrors(file: string): string[] {
  const r = spawnSync('dcmdump', ['-q', '+uc', file], { encoding: 'latin1', maxBuffer: 256 << 20 });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^(E|F): /.test(l));
  if (r.status !== 0 && lines.length === 0) lines.push(`dcmdump exited with ${r.status}`);
  return lines;
}

/** De-identifies one file into another, streaming, as the server does. */
export async function deidentifyFile(engine: DeidEngine, tenant: string, from: string, to: string): Promise<DeidOutcome> {
  const t = new DeidTransform(engine, tenant, 64 * 1024 * 1024);
  await pipeline(createReadStream(from), t, createWriteStream(to));
  return t.result!;
}

export function elementsByPath(d: Dump): Map<string, FlatElement> {
  return new Map((d.elements ?? []).map((e) => [e[0], e]));
}
