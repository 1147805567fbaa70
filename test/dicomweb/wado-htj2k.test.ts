import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp } from '../helpers/test-app.js';
import { FRAMES_NATIVE, getRaw, parseMultipart, store } from './wado-helpers.js';
import { comparePng, dcmj2pnm, maxDiff8, parseDicom, run, value } from './transcode-reference.js';

/**
 * High-Throughput JPEG 2000 (1.2.840.10008.1.2.4.201) is decoded with
 * OpenJPH (@cornerstonejs/codec-openjph): the corpus HTJ2K lossless RGB file
 * re-encoded, as native frames and rendered, against pydicom's decode with
 * OpenJPEG (pylibjpeg-openjpeg), a different implementation. Lossless, so the
 * samples must be equal; the rendered image is compared with DCMTK's
 * dcmj2pnm rendering of pydicom's decode (DCMTK has no HTJ2K decoder).
 */
const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
const FILE = `${CORPUS_DIR}compressed/HTJ2KLossless_08_RGB.dcm`;

let work: string;
before(async () => (work = await mkdtemp(join(tmpdir(), 'htj2k-'))));
after(async () => rm(work, { recursive: true, force: true }));

test('HTJ2K lossless RGB decodes to the samples OpenJPEG decodes', async () => {
  const refFile = join(work, 'pydicom.dcm');
  const storable = join(work, 'storable.dcm'); // the corpus file lacks Study/Series UIDs; dcmodify cannot rewrite HTJ2K
  await run(PYTHON, [new URL('./pydicom_decompress.py', import.meta.url).pathname, FILE, refFile, storable]);
  const ref = parseDicom(await readFile(refFile));
  const t = await startTestApp();
  try {
    const { status, paths } = await store(t.app, [storable]);
    assert.equal(status, 200);
    const res = await getRaw(t.app, paths[0], 'multipart/related; type="application/dicom"');
    assert.equal(res.status, 200, res.body.toString().slice(0, 300));
    const ours = parseDicom(parseMultipart(res.headers['content-type'], res.body)[0].body);
    assert.equal(ours.meta['00020010'].Value[0], '1.2.840.10008.1.2.1');
    assert.equal(value(ours, '00280004'), 'RGB');
    assert.equal(value(ours, '00280006'), 0);
    assert.equal(maxDiff8(ours.pixels, ref.pixels), 0, 're-encoded samples');

    const frames = await getRaw(t.app, `${paths[0]}/frames/1`, FRAMES_NATIVE);
    assert.equal(frames.status, 200);
    assert.equal(maxDiff8(parseMultipart(frames.headers['content-type'], frames.body)[0].body, ref.pixels), 0, 'decoded frame');

    const png = await getRaw(t.app, `${paths[0]}/rendered`, 'image/png');
    assert.equal(png.status, 200);
    const diff = await comparePng(png.body, await dcmj2pnm(refFile, join(work, 'ref.png'), []));
    assert.ok(diff.mean <= 1 && diff.over3 <= 0.01, `rendered: mean ${diff.mean.toFixed(3)}, ${(diff.over3 * 100).toFixed(2)}% over 3 (${diff.shape})`);
  } finally {
    await t.close();
  }
});
