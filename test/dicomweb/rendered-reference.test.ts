import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { getRaw, parseMultipart, storableCopy, store } from './wado-helpers.js';

/**
 * Rendered pixels against a reference decode done outside our code: DCMTK's
 * dcmj2pnm (Debian dcmtk) renders the same instance with the same window.
 * DCMTK has no JPEG 2000 / HTJ2K decoder, so for those the reference renders
 * our Explicit VR Little Endian re-encoding, whose pixels wado-corpus.test.ts
 * checks against pydicom + OpenJPEG. Each case covers a transfer syntax or a
 * photometric / LUT feature; `window` cases pass the same window to both.
 */
interface Case {
  file: string;
  /** [center, width] sent as window=c,w,linear and as dcmj2pnm +Ww c w. */
  window?: [number, number];
  /** The file's own VOI: first window (+Wi 1), VOI LUT (+Wl 1) or frame min-max (+Wm). */
  voi?: 'window' | 'lut' | 'minmax';
  viaReencoding?: boolean;
}

const CASES: Case[] = [
  { file: 'ct/CT_small.dcm', window: [40, 400] },
  { file: 'ct/CT_small.dcm', voi: 'minmax' },
  { file: 'ct/SignedCT.dcm', window: [50, 350] },
  { file: 'mr/MR_small.dcm', voi: 'window' },
  { file: 'mr/tcia-prostate-mri.dcm', voi: 'window' },
  { file: 'encoding/CT1_UNC_implicit.dcm', window: [-600, 1500] },
  { file: 'encoding/MR_small_bigendian.dcm', window: [600, 1200] },
  { file: 'encoding/ExplVR_BigEnd.dcm' },
  { file: 'encoding/image_dfl.dcm', voi: 'minmax' },
  { file: 'compressed/CTImage-jpeg-baseline-8bit.dcm', voi: 'window' },
  { file: 'compressed/CTImage-jpeg-lossless-4.57.dcm', window: [40, 400] },
  { file: 'compressed/MR-JPEGLosslessSV1.dcm', voi: 'window' },
  { file: 'compressed/MR_small_jpeg_ls_lossless.dcm', window: [600, 1200], viaReencoding: true },
  { file: 'compressed/JPEGLSNearLossless_16.dcm', voi: 'minmax', viaReencoding: true },
  { file: 'compressed/MR_small_RLE.dcm', window: [600, 1200] },
  { file: 'compressed/D_CLUNIE_CT1_RLE_FRAGS.dcm', window: [40, 400] },
  { file: 'compressed/MR_small_jp2klossless.dcm', window: [600, 1200], viaReencoding: true },
  { file: 'compressed/MR2_J2KI.dcm', voi: 'window', viaReencoding: true },
  { file: 'compressed/SC_rgb_jpeg_dcmtk.dcm' },
  { file: 'compressed/SC_rgb_rle_16bit.dcm' },
  { file: 'us/US-RGB-8-esopecho.dcm' },
  { file: 'us/YBR_FULL-RLE.dcm' },
  { file: 'us/YBR_422.dcm' },
  { file: 'us/examples_palette.dcm' },
  { file: 'cr-dx/cr-monochrome1-jpeg.dcm', voi: 'window' },
  { file: 'cr-dx/cr-monochrome1-jpeg.dcm', window: [128, 200] },
  { file: 'cr-dx/CR-ModalitySequenceLUT.dcm', voi: 'minmax' },
  { file: 'cr-dx/dx_image.dcm', voi: 'window' },
  { file: 'other/vlut_04.dcm', voi: 'lut' },
  { file: 'other/mlut_18.dcm', voi: 'minmax' },
  { file: 'pt/pet-jpegls.dcm', voi: 'window', viaReencoding: true },
];

let t: TestApp;
let work: string;
before(async () => (work = await mkdtemp(join(tmpdir(), 'rendered-ref-'))));
after(async () => rm(work, { recursive: true, force: true }));

describe('rendered images match DCMTK dcmj2pnm', () => {
  for (const [i, c] of CASES.entries()) {
    const name = `${c.file}${c.window ? ` window ${c.window.join(',')}` : ''}${c.voi ? ` (${c.voi})` : ''}`;
    test(name, async () => {
      t = await startTestApp(); // a fresh store: several corpus files share SOP Instance UIDs
      try {
        await check(c, i);
      } finally {
        await t.close();
      }
    });
  }
});

async function check(c: Case, i: number): Promise<void> {
  {
    {
      const { paths } = await store(t.app, [storableCopy(CORPUS_DIR + c.file)]);
      const path = paths[0];
      const query = c.window ? `?window=${c.window[0]},${c.window[1]},linear` : '';
      const ours = await getRaw(t.app, `${path}/rendered${query}`, 'image/png');
      assert.equal(ours.status, 200, ours.body.toString().slice(0, 300));
      const source = c.viaReencoding ? await reencoded(path, i) : CORPUS_DIR + c.file;
      const reference = await dcmj2pnm(source, c, join(work, `ref-${i}.png`));
      const diff = await compare(ours.body, reference);
      assert.ok(diff.mean <= 1 && diff.over3 <= 0.01, `mean |diff| ${diff.mean.toFixed(3)}, ${(diff.over3 * 100).toFixed(2)}% of samples differ by more than 3`);
    }
  }
}

async function reencoded(path: string, i: number): Promise<string> {
  const res = await getRaw(t.app, path, 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1');
  assert.equal(res.status, 200);
  const file = join(work, `evrle-${i}.dcm`);
  await writeFile(file, parseMultipart(res.headers['content-type'], res.body)[0].body);
  return file;
}

async function dcmj2pnm(file: string, c: Case, out: string): Promise<Buffer> {
  const voi = c.window ? ['+Ww', String(c.window[0]), String(c.window[1])]
    : c.voi === 'window' ? ['+Wi', '1'] : c.voi === 'lut' ? ['+Wl', '1'] : c.voi === 'minmax' ? ['+Wm'] : [];
  await promisify(execFile)('dcmj2pnm', ['+on', ...voi, file, out]);
  return readFile(out);
}

async function compare(a: Buffer, b: Buffer): Promise<{ mean: number; over3: number }> {
  const [x, y] = await Promise.all([a, b].map((img) => sharp(img).raw().toBuffer({ resolveWithObject: true })));
  assert.deepEqual([x.info.width, x.info.height, x.info.channels], [y.info.width, y.info.height, y.info.channels], 'same size and channels');
  let sum = 0;
  let over = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = Math.abs(x.data[i] - y.data[i]);
    sum += d;
    if (d > 3) over++;
  }
  return { mean: sum / x.data.length, over3: over / x.data.length };
}
