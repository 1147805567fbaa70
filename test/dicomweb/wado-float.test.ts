import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp } from '../helpers/test-app.js';
import { ANY_TS, FRAMES_NATIVE, getRaw, parseMultipart, store } from './wado-helpers.js';
import { run } from './transcode-reference.js';

/**
 * Float Pixel Data (7FE0,0008) and Double Float Pixel Data (7FE0,0009)
 * (PS3.3 §C.7.6.24): the instance byte for byte, the value as bulk data
 * behind its BulkDataURI, frames as little-endian IEEE samples, the Explicit
 * VR Little Endian re-encoding of an Implicit VR file, and rendered images
 * with the file's window or the frame's min..max. Files: the corpus
 * Parametric Map and images pydicom writes (float_pixels.py), which also
 * computes the expected renderings with the formulas of PS3.3 §C.11.2.1.
 */
const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
const SCRIPT = new URL('./float_pixels.py', import.meta.url).pathname;
const EXPLICIT_LE = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';

let work: string;
before(async () => (work = await mkdtemp(join(tmpdir(), 'float-'))));
after(async () => rm(work, { recursive: true, force: true }));

const CASES = [
  { name: 'corpus Parametric Map (Float Pixel Data, no window)', make: undefined, file: `${CORPUS_DIR}other/parametric_map_float.dcm`, tag: '7FE00008', frames: 1 },
  { name: 'Float Pixel Data, Explicit VR, window in the file, 2 frames', make: ['float', 'explicit', 'window', '2'], file: 'f32-explicit.dcm', tag: '7FE00008', frames: 2 },
  { name: 'Double Float Pixel Data, Implicit VR, no window, 3 frames', make: ['double', 'implicit', 'nowindow', '3'], file: 'f64-implicit.dcm', tag: '7FE00009', frames: 3 },
];

describe('Float and Double Float Pixel Data', () => {
  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const file = c.make ? join(work, c.file) : c.file;
      if (c.make) await run(PYTHON, [SCRIPT, 'make', file, ...c.make]);
      const valuesFile = join(work, `values-${i}.raw`);
      await run(PYTHON, [SCRIPT, 'values', file, valuesFile]);
      const values = await readFile(valuesFile);
      const t = await startTestApp();
      try {
        const { status, paths } = await store(t.app, [file]);
        assert.equal(status, 200);
        const path = paths[0];

        const stored = await getRaw(t.app, path, ANY_TS);
        assert.deepEqual(parseMultipart(stored.headers['content-type'], stored.body)[0].body, await readFile(file), 'the instance as stored');

        const md = await getRaw(t.app, `${path}/metadata`, 'application/dicom+json');
        const el = JSON.parse(md.body.toString())[0][c.tag];
        assert.equal(el.vr, c.tag === '7FE00008' ? 'OF' : 'OD');
        assert.ok(el.BulkDataURI, 'the float value is bulk data');
        const bulk = await getRaw(t.app, new URL(el.BulkDataURI).pathname, 'application/octet-stream');
        assert.equal(bulk.status, 200);
        assert.deepEqual(bulk.body, values, 'bulk data holds the samples pydicom reads');

        const list = Array.from({ length: c.frames }, (_, k) => k + 1).join(',');
        const frames = await getRaw(t.app, `${path}/frames/${list}`, FRAMES_NATIVE);
        assert.equal(frames.status, 200, frames.body.toString().slice(0, 300));
        assert.deepEqual(Buffer.concat(parseMultipart(frames.headers['content-type'], frames.body).map((p) => p.body)), values, 'frames are the samples, frame after frame');

        const le = await getRaw(t.app, path, EXPLICIT_LE);
        assert.equal(le.status, 200);
        const reencoded = join(work, `le-${i}.dcm`);
        await writeFile(reencoded, parseMultipart(le.headers['content-type'], le.body)[0].body);
        const leValues = join(work, `le-values-${i}.raw`);
        await run(PYTHON, [SCRIPT, 'values', reencoded, leValues]);
        assert.deepEqual(await readFile(leValues), values, 'the Explicit VR Little Endian re-encoding holds the same samples');

        for (let f = 1; f <= c.frames; f++) {
          const png = await getRaw(t.app, `${path}/frames/${f}/rendered`, 'image/png');
          assert.equal(png.status, 200, png.body.toString().slice(0, 300));
          const expected = join(work, `expected-${i}-${f}.png`);
          await run(PYTHON, [SCRIPT, 'expect', file, String(f), expected]);
          const [a, b] = await Promise.all([png.body, await readFile(expected)].map((x) => sharp(x).greyscale().raw().toBuffer()));
          assert.equal(a.length, b.length, 'same size');
          let worst = 0;
          for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
          assert.ok(worst <= 1, `frame ${f}: rendered differs from the PS3.3 formula by up to ${worst} levels`);
        }
      } finally {
        await t.close();
      }
    });
  }
});
