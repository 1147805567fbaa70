import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp } from '../helpers/test-app.js';
import { getRaw, parseMultipart, store } from './wado-helpers.js';
import { run } from './transcode-reference.js';

/**
 * Elements after Pixel Data (private groups, Digital Signatures Sequence
 * (FFFA,FFFA), Data Set Trailing Padding (FFFC,FFFC)) are part of the
 * instance: the Explicit VR Little Endian re-encoding keeps them, whether
 * the stored file is encapsulated (copied) or Implicit VR (converted).
 * pydicom compares them with the stored file's (trailing_elements.py).
 */
const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
const SCRIPT = new URL('./trailing_elements.py', import.meta.url).pathname;
const EXPLICIT_LE = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'trailing-'));
  await run(PYTHON, [SCRIPT, 'make', `${CORPUS_DIR}compressed/CTImage-jpeg-baseline-8bit.dcm`, join(work, 'jpeg.dcm'), 'explicit']);
  await run(PYTHON, [SCRIPT, 'make', `${CORPUS_DIR}encoding/MR_small_implicit.dcm`, join(work, 'implicit.dcm'), 'implicit']);
  await run(PYTHON, [SCRIPT, 'make', `${CORPUS_DIR}compressed/MR_small_jp2klossless.dcm`, join(work, 'j2k.dcm'), 'explicit']);
});
after(async () => rm(work, { recursive: true, force: true }));

const CASES = [
  { name: 'corpus RLE CT with Data Set Trailing Padding', file: () => `${CORPUS_DIR}compressed/D_CLUNIE_CT1_RLE_FRAGS.dcm`, tags: ['FFFCFFFC'] },
  { name: 'JPEG baseline with a private group, a signature and padding', file: () => join(work, 'jpeg.dcm'), tags: ['7FE10010', '7FE11001', '7FE11002', 'FFFAFFFA', 'FFFCFFFC'] },
  { name: 'JPEG 2000 with a private group, a signature and padding', file: () => join(work, 'j2k.dcm'), tags: ['7FE10010', '7FE11001', '7FE11002', 'FFFAFFFA', 'FFFCFFFC'] },
  { name: 'Implicit VR Little Endian with a private group, a signature and padding', file: () => join(work, 'implicit.dcm'), tags: ['7FE10010', '7FE11001', '7FE11002', 'FFFAFFFA', 'FFFCFFFC'] },
];

describe('elements after Pixel Data survive re-encoding to Explicit VR Little Endian', () => {
  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const t = await startTestApp();
      try {
        const { status, paths } = await store(t.app, [c.file()]);
        assert.equal(status, 200);
        const res = await getRaw(t.app, paths[0], EXPLICIT_LE);
        assert.equal(res.status, 200, res.body.toString().slice(0, 300));
        const [part] = parseMultipart(res.headers['content-type'], res.body);
        assert.match(part.headers['content-type'], /transfer-syntax=1\.2\.840\.10008\.1\.2\.1$/);
        const ours = join(work, `ours-${i}.dcm`);
        await writeFile(ours, part.body);
        // DCMTK must read the whole re-encoding (dcmdump -E: errors, not a partial dump).
        await run('dcmdump', ['-q', '-E', ours]);
        const { stdout } = await run(PYTHON, [SCRIPT, 'compare', c.file(), ours]);
        const result = JSON.parse(stdout);
        assert.deepEqual(result.tags, c.tags, 'the stored file has these elements after Pixel Data');
        assert.deepEqual(result.diff, [], 'each is in the re-encoding with the same value');
      } finally {
        await t.close();
      }
    });
  }
});
