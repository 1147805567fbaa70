import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { ANY_TS, FRAMES_NATIVE, getRaw, parseMultipart, store } from './wado-helpers.js';
import { parseDicom, run } from './transcode-reference.js';

/**
 * A study retrieved as Explicit VR Little Endian where some compressed
 * instances cannot be decoded. The status is decided before the body starts
 * (PS3.18 §8.7, §10.4.3): the instances that cannot be re-encoded are left
 * out and named in a Warning header, the others arrive whole in a complete
 * multipart body; when none can be re-encoded the answer is 406 with the
 * reasons. Broken files: a JPEG whose entropy-coded data was overwritten, a
 * JPEG cut short, and the corpus JPEG 2000 file with a sequence delimiter
 * inside its fragment (broken/JPEG2000-embedded-sequence-delimiter.dcm).
 */
const EXPLICIT_LE = 'multipart/related; type="application/dicom"';
const GOOD = `${CORPUS_DIR}compressed/CTImage-jpeg-baseline-8bit.dcm`;
const STUDY = '2.25.330194120315872370945013290470582771210';
const SERIES = '2.25.330194120315872370945013290470582771211';

let work: string;
let t: TestApp;
const uid = (n: number) => `2.25.33019412031587237094501329047058277${1300 + n}`;
let files: Record<'good' | 'garbled' | 'truncated' | 'j2k', string>;

/** A copy of `src` in the test study and series with its own SOP Instance UID (DCMTK dcmodify). */
async function copyInStudy(src: string, name: string, n: number): Promise<string> {
  const out = join(work, name);
  await copyFile(src, out);
  await chmod(out, 0o644);
  await run('dcmodify', ['-nb', '-m', `(0020,000d)=${STUDY}`, '-m', `(0020,000e)=${SERIES}`, '-m', `(0008,0018)=${uid(n)}`, out]);
  return out;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'transcode-fail-'));
  const good = await copyInStudy(GOOD, 'good.dcm', 1);
  const garbled = await copyInStudy(GOOD, 'garbled.dcm', 2);
  const bytes = await readFile(garbled);
  const mid = Math.floor(bytes.length / 2); // inside the JPEG fragment: the header is the first 2 KB
  bytes.fill(0xff, mid, mid + 4000);
  await writeFile(garbled, bytes);
  const truncated = await copyInStudy(GOOD, 'truncated.dcm', 3);
  const whole = await readFile(truncated);
  await writeFile(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const j2k = await copyInStudy(`${CORPUS_DIR}broken/JPEG2000-embedded-sequence-delimiter.dcm`, 'j2k.dcm', 4);
  files = { good, garbled, truncated, j2k };
});
after(async () => rm(work, { recursive: true, force: true }));

describe('re-encoding a study with undecodable instances', () => {
  before(async () => {
    t = await startTestApp();
    const res = await store(t.app, [files.good, files.garbled, files.truncated, files.j2k]);
    assert.equal(res.status, 200, 'all four are stored');
    assert.equal(res.paths.length, 4);
  });
  after(async () => t.close());

  test('the decodable instance arrives, the others are named in a Warning', async () => {
    const res = await getRaw(t.app, `/dicomweb/studies/${STUDY}`, EXPLICIT_LE);
    assert.equal(res.status, 200);
    const parts = parseMultipart(res.headers['content-type'], res.body);
    assert.equal(parts.length, 1);
    assert.ok(res.body.includes(Buffer.from(`--${/boundary=("?)([^";]+)\1/.exec(res.headers['content-type'])![2]}--`)), 'the multipart body is complete');
    const ds = parseDicom(parts[0].body);
    assert.equal(ds.dict['00080018'].Value[0], uid(1));
    assert.equal(ds.meta['00020010'].Value[0], '1.2.840.10008.1.2.1');
    assert.equal(ds.pixels.length, 512 * 512);
    const warning = res.headers.warning ?? '';
    assert.match(warning, /^299 - "3 instance\(s\) cannot be re-encoded/);
    for (const n of [2, 3, 4]) assert.ok(warning.includes(uid(n)), `Warning names ${uid(n)}: ${warning}`);
    assert.ok(!warning.includes(uid(1)));
  });

  test('as stored, every instance is sent and nothing is left out', async () => {
    const res = await getRaw(t.app, `/dicomweb/studies/${STUDY}`, ANY_TS);
    assert.equal(res.status, 200);
    assert.equal(parseMultipart(res.headers['content-type'], res.body).length, 4);
    assert.equal(res.headers.warning, undefined);
  });

  for (const [n, name] of [[2, 'garbled'], [3, 'truncated'], [4, 'j2k']] as const) {
    test(`the ${name} instance alone: 406 with the reason, for the instance and its decoded frames`, async () => {
      const path = `/dicomweb/studies/${STUDY}/series/${SERIES}/instances/${uid(n)}`;
      const res = await getRaw(t.app, path, EXPLICIT_LE);
      assert.equal(res.status, 406);
      const reason = JSON.parse(res.body.toString())['00000902'].Value[0];
      assert.match(reason, new RegExp(uid(n).replace(/\./g, '\\.')));
      assert.ok(reason.length > uid(n).length + 20, `a reason is given: ${reason}`);
      const frames = await getRaw(t.app, `${path}/frames/1`, FRAMES_NATIVE);
      assert.equal(frames.status, 406, frames.body.toString().slice(0, 200));
    });
  }
});
