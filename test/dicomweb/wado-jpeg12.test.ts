import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { FRAMES_NATIVE, getRaw, parseMultipart, store } from './wado-helpers.js';
import { comparePng, dcmj2pnm, dcmtkDecoded, maxDiff16, parseDicom, run, value } from './transcode-reference.js';

/**
 * 12-bit lossy JPEG (JPEG Extended, 1.2.840.10008.1.2.4.51, Process 4; and a
 * 12-bit progressive frame in 1.2.840.10008.1.2.4.53) decoded to Explicit VR
 * Little Endian, as native frames and as rendered images, against DCMTK's
 * dcmdjpeg / dcmj2pnm on the same file. Both decoders are IJG libjpeg built
 * for 12-bit samples, so values agree within 1 (IDCT rounding); the corpus
 * check allows 10 for lossy syntaxes in general.
 */
const EXPLICIT_LE = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';
const TOLERANCE = 1;

let work: string;
let t: TestApp;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'jpeg12-'));
  // A 12-bit multi-frame made here from a native corpus MR with DCMTK (+ee: extended sequential, 12 bit).
  await run('dcmcjpeg', ['+ee', `${CORPUS_DIR}multiframe/emri_small.dcm`, join(work, 'emri-ext12.dcm')]);
  await run('dcmcjpeg', ['+ee', `${CORPUS_DIR}ct/CT_small.dcm`, join(work, 'ct-ext12.dcm')]);
});
after(async () => rm(work, { recursive: true, force: true }));

const FILES = [
  { name: 'corpus compressed/JPGExtended.dcm (NM, 1.2.840.10008.1.2.4.51)', path: () => `${CORPUS_DIR}compressed/JPGExtended.dcm`, ts: '1.2.840.10008.1.2.4.51' },
  { name: 'corpus compressed/CTImage-jpeg-spectral-4.53.dcm (12-bit progressive)', path: () => `${CORPUS_DIR}compressed/CTImage-jpeg-spectral-4.53.dcm`, ts: '1.2.840.10008.1.2.4.53' },
  { name: 'ct/CT_small.dcm compressed by dcmcjpeg +ee', path: () => join(work, 'ct-ext12.dcm'), ts: '1.2.840.10008.1.2.4.51' },
  { name: 'multiframe/emri_small.dcm (10 frames) compressed by dcmcjpeg +ee', path: () => join(work, 'emri-ext12.dcm'), ts: '1.2.840.10008.1.2.4.51' },
];

describe('12-bit lossy JPEG is decoded like DCMTK decodes it', () => {
  for (const [i, f] of FILES.entries()) {
    test(f.name, async () => {
      t = await startTestApp();
      try {
        const file = f.path();
        const ref = await dcmtkDecoded(file, join(work, `ref-${i}.dcm`));
        const { status, paths } = await store(t.app, [file]);
        assert.equal(status, 200);
        const path = paths[0];

        const res = await getRaw(t.app, path, EXPLICIT_LE);
        assert.equal(res.status, 200, res.body.toString().slice(0, 300));
        const [part] = parseMultipart(res.headers['content-type'], res.body);
        assert.match(part.headers['content-type'], /transfer-syntax=1\.2\.840\.10008\.1\.2\.1$/);
        const ours = parseDicom(part.body);
        assert.equal(ours.meta['00020010'].Value[0], '1.2.840.10008.1.2.1');
        assert.equal(value(ours, '00280100'), 16);
        assert.equal(value(ours, '00280101'), value(ref, '00280101'));
        assert.equal(value(ours, '00280004'), 'MONOCHROME2');
        assert.equal(ours.pixels.length, ref.pixels.length, 'Pixel Data length');
        assert.ok(maxDiff16(ours.pixels, ref.pixels) <= TOLERANCE, `re-encoded pixels: max difference ${maxDiff16(ours.pixels, ref.pixels)}`);

        const frames = Number(value(ref, '00280008') ?? 1);
        const list = Array.from({ length: frames }, (_, k) => k + 1).join(',');
        const native = await getRaw(t.app, `${path}/frames/${list}`, FRAMES_NATIVE);
        assert.equal(native.status, 200, native.body.toString().slice(0, 300));
        const parts = parseMultipart(native.headers['content-type'], native.body);
        assert.equal(parts.length, frames);
        const all = Buffer.concat(parts.map((p) => p.body));
        assert.ok(maxDiff16(all, ref.pixels) <= TOLERANCE, `decoded frames: max difference ${maxDiff16(all, ref.pixels)}`);

        // Rendered (first frame) against dcmj2pnm on the same compressed file, with the VOI our
        // renderer picks when the request names none: the file's first window, else min-max.
        const rendered = await getRaw(t.app, `${path}/frames/1/rendered`, 'image/png');
        assert.equal(rendered.status, 200, rendered.body.toString().slice(0, 300));
        const png = await dcmj2pnm(file, join(work, `ref-${i}.png`), ['+F', '1', ...(value(ref, '00281050') === undefined ? ['+Wm'] : ['+Wi', '1'])]);
        const diff = await comparePng(rendered.body, png);
        assert.ok(diff.mean <= 1 && diff.over3 <= 0.01, `rendered: mean |diff| ${diff.mean.toFixed(3)}, ${(diff.over3 * 100).toFixed(2)}% over 3 (${diff.shape})`);

        const stored = await getRaw(t.app, path, `multipart/related; type="application/dicom"; transfer-syntax=${f.ts}`);
        assert.equal(stored.status, 200);
        assert.deepEqual(parseMultipart(stored.headers['content-type'], stored.body)[0].body, await readFile(file), 'the stored syntax is sent byte for byte');
      } finally {
        await t.close();
      }
    });
  }
});
