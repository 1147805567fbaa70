import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { CORPUS_DIR } from '../helpers/corpus.js';

/** Python dicomweb-client + pydicom (from PyPI, installed by test/infra/tools.sh) against a running server. */
const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
const FILES = [
  'ct/CT_small.dcm', 'mr/MR_small.dcm', 'ct/pcir-77654033-CT2/17106.dcm', 'ct/pcir-77654033-CT2/17136.dcm',
  'cr-dx/pcir-77654033-CR1-6154.dcm', 'us/US-RGB-8-esopecho.dcm', 'charset/chrGerm.dcm', 'compressed/CTImage-jpeg-baseline-8bit.dcm',
  'sr/dcmjs-structured_report.dcm', 'pt/pet-implicit.dcm',
].map((f) => CORPUS_DIR + f);

let server: ServerProcess;
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-py-'));
  server = await startServerProcess({ DATA_DIR: dataDir });
});
after(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('Python dicomweb-client stores and searches; results match pydicom', { timeout: 120_000 }, async () => {
  const script = new URL('./dicomweb_client_check.py', import.meta.url).pathname;
  let stdout = '';
  try {
    ({ stdout } = await promisify(execFile)(PYTHON, [script, `${server.url}/dicomweb`, ...FILES], { maxBuffer: 16 << 20 }));
  } catch (e: any) {
    assert.fail(`dicomweb-client check failed:\n${e.stdout}\n${e.stderr}`);
  }
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.filter((l) => l.check).length >= 30, 'ran the whole check list');
  assert.ok(lines.every((l) => l.ok !== false));
  assert.deepEqual(lines.at(-1), { done: true, checks_passed: true });
});
