import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { CORPUS_DIR } from '../helpers/corpus.js';

/** Python dicomweb-client retrieves (WADO-RS, frames, bulk data, rendered) from a running server. */
const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
const FILES = [
  'ct/CT_small.dcm', 'multiframe/emri_small.dcm', 'compressed/CTImage-jpeg-baseline-8bit.dcm', 'compressed/MR_small_jp2klossless.dcm',
  'multiframe/US-PAL-8-10x-echo.dcm', 'pt/pet-jpegls.dcm', 'us/US-RGB-8-esopecho.dcm', 'encoding/CT1_UNC_implicit.dcm',
].map((f) => CORPUS_DIR + f);

let server: ServerProcess;
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-py-wado-'));
  server = await startServerProcess({ DATA_DIR: dataDir });
});
after(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('Python dicomweb-client: retrieve_study, metadata, bulk data, frames and rendered agree with pydicom', { timeout: 180_000 }, async () => {
  const script = new URL('./dicomweb_client_wado_check.py', import.meta.url).pathname;
  let stdout = '';
  try {
    ({ stdout } = await promisify(execFile)(PYTHON, [script, `${server.url}/dicomweb`, ...FILES], { maxBuffer: 64 << 20 }));
  } catch (e: any) {
    assert.fail(`dicomweb-client check failed:\n${e.stdout}\n${e.stderr}`);
  }
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.filter((l) => l.check).length >= 60, 'ran the whole check list');
  assert.ok(lines.every((l) => l.ok !== false));
  assert.deepEqual(lines.at(-1), { done: true, checks_passed: true });
});
