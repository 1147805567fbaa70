import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp } from '../helpers/test-app.js';
import { getRaw, parseMultipart, store } from './wado-helpers.js';
import { dcmtkDecoded, maxDiff8, parseDicom, run, value, type Parsed } from './transcode-reference.js';

/**
 * JPEG and JPEG 2000 decoders apply the inverse colour transform, so a
 * decoded YBR_FULL / YBR_FULL_422 / YBR_ICT / YBR_RCT instance holds RGB
 * samples, and its Explicit VR Little Endian re-encoding must say so:
 * Photometric Interpretation RGB, Planar Configuration 0 (PS3.5 §8.2.1,
 * §8.2.4; PS3.3 §C.7.6.3.1.2). References: DCMTK's dcmdjpeg (JPEG, which
 * also writes RGB) and, for JPEG 2000 (no DCMTK decoder), the RGB image the
 * test compressed with OpenJPEG (lossless) or pydicom's decode (lossy).
 */
const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
const EXPLICIT_LE = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';
/** Lossy decoders differ by a few levels (as in wado_corpus_check.py); lossless ones must not. */
const LOSSY = 10;
const RGB_SOURCE = `${CORPUS_DIR}us/US-RGB-8-esopecho.dcm`;

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'ybr-'));
  for (const kind of ['rct', 'ict']) {
    await run(PYTHON, [new URL('./make_j2k_ybr.py', import.meta.url).pathname, RGB_SOURCE, join(work, `${kind}.dcm`), kind, join(work, `${kind}-pydicom.dcm`)]);
  }
});
after(async () => rm(work, { recursive: true, force: true }));

const CASES: Array<{ name: string; file: () => string; reference: (i: number) => Promise<Parsed>; tolerance: number }> = [
  { name: 'JPEG baseline YBR_FULL_422 (corpus JPEGwithIcon)', file: () => `${CORPUS_DIR}compressed/JPEGwithIcon.dcm`, reference: (i) => dcmtkDecoded(`${CORPUS_DIR}compressed/JPEGwithIcon.dcm`, join(work, `ref-${i}.dcm`)), tolerance: LOSSY },
  { name: 'JPEG baseline YBR_FULL (corpus SC_rgb_jpeg_dcmtk)', file: () => `${CORPUS_DIR}compressed/SC_rgb_jpeg_dcmtk.dcm`, reference: (i) => dcmtkDecoded(`${CORPUS_DIR}compressed/SC_rgb_jpeg_dcmtk.dcm`, join(work, `ref-${i}.dcm`)), tolerance: LOSSY },
  { name: 'JPEG baseline YBR_FULL multi-frame (corpus IM00001, no BOT)', file: () => `${CORPUS_DIR}multiframe/IM00001-jpeg-fragmented-no-bot.dcm`, reference: (i) => dcmtkDecoded(`${CORPUS_DIR}multiframe/IM00001-jpeg-fragmented-no-bot.dcm`, join(work, `ref-${i}.dcm`)), tolerance: LOSSY },
  { name: 'JPEG 2000 lossless YBR_RCT', file: () => join(work, 'rct.dcm'), reference: async () => parseDicom(await readFile(RGB_SOURCE)), tolerance: 0 },
  { name: 'JPEG 2000 lossy YBR_ICT', file: () => join(work, 'ict.dcm'), reference: async () => parseDicom(await readFile(join(work, 'ict-pydicom.dcm'))), tolerance: LOSSY },
];

describe('decoded YBR instances are re-encoded as RGB', () => {
  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const t = await startTestApp();
      try {
        const { status, paths } = await store(t.app, [c.file()]);
        assert.equal(status, 200);
        const res = await getRaw(t.app, paths[0], EXPLICIT_LE);
        assert.equal(res.status, 200, res.body.toString().slice(0, 300));
        const ours = parseDicom(parseMultipart(res.headers['content-type'], res.body)[0].body);
        const ref = await c.reference(i);
        assert.equal(value(ref, '00280004'), 'RGB', 'the reference holds RGB');
        assert.equal(value(ours, '00280004'), 'RGB', 'Photometric Interpretation');
        assert.equal(value(ours, '00280006'), 0, 'Planar Configuration');
        assert.equal(value(ours, '00280002'), 3);
        assert.equal(ours.pixels.length, ref.pixels.length, 'Pixel Data length');
        const diff = maxDiff8(ours.pixels, ref.pixels);
        assert.ok(diff <= c.tolerance, `max difference ${diff}, tolerance ${c.tolerance}`);
        // The instance as stored still says what it holds.
        const md = await getRaw(t.app, `${paths[0]}/metadata`, 'application/dicom+json');
        assert.match(JSON.parse(md.body.toString())[0]['00280004'].Value[0], /^YBR_/);
      } finally {
        await t.close();
      }
    });
  }
});
