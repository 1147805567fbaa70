import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import sharp from 'sharp';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { ANY_TS, FRAMES_AS_STORED, FRAMES_NATIVE, corpusImages, getRaw, parseMultipart, storableCopy, store } from './wado-helpers.js';

/**
 * Round trip of every image file in the corpus: store, then retrieve the
 * instance (hash equal), its metadata and every bulk data URI in it, every
 * frame as stored and decoded, the rendered image and the Explicit VR Little
 * Endian re-encoding. What came back is then checked against pydicom (with
 * pylibjpeg) reading the original file, in wado_corpus_check.py. Each file
 * goes to a fresh store: the corpus repeats SOP Instance UIDs.
 */
const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;
/** Syntaxes with no decoder here: 406 with a reason is the right answer for a decoded form. */
const UNDECODABLE = /JPEG XL/;

let work: string;
const checked: Array<Record<string, unknown>> = [];
before(async () => (work = await mkdtemp(join(tmpdir(), 'wado-corpus-'))));
after(async () => (process.env.WADO_CORPUS_KEEP ? console.log(`# kept ${work}`) : rm(work, { recursive: true, force: true })));

describe('WADO-RS round trip of every corpus image', () => {
  for (const entry of corpusImages()) {
    test(entry.path, async () => {
      const t = await startTestApp();
      try {
        const dir = join(work, entry.path.replace(/\W/g, '_'));
        const record = await roundTrip(t, entry, dir);
        if (record) checked.push(record);
      } finally {
        await t.close();
      }
    });
  }

  test('pydicom agrees with everything retrieved', { timeout: 300_000 }, async () => {
    assert.ok(checked.length >= 100, `only ${checked.length} corpus images went through`);
    await writeFile(join(work, 'manifest.json'), JSON.stringify(checked));
    const script = new URL('./wado_corpus_check.py', import.meta.url).pathname;
    let stdout = '';
    try {
      ({ stdout } = await promisify(execFile)(PYTHON, [script, join(work, 'manifest.json')], { maxBuffer: 64 << 20 }));
    } catch (e: any) {
      assert.fail(`checker crashed:\n${e.stdout}\n${e.stderr}`);
    }
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    const failed = lines.filter((l) => !l.ok);
    const counts = lines.reduce((m: Record<string, number>, l) => ((m[l.check] = (m[l.check] ?? 0) + 1), m), {});
    console.log(`# pydicom checks: ${lines.length} over ${checked.length} files: ${JSON.stringify(counts)}`);
    assert.deepEqual(failed, [], 'every check passes');
  });
});

async function roundTrip(t: TestApp, entry: { path: string; transferSyntax: string }, dir: string) {
  const original = CORPUS_DIR + entry.path;
  const file = entry.path.startsWith('broken/') ? original : storableCopy(original);
  const stored = await store(t.app, [file]);
  if (stored.status !== 200) return undefined; // refused at STOW (see corpus-stow.test.ts)
  await mkdir(dir, { recursive: true });
  const path = stored.paths[0];
  const bytes = await readFile(file);

  const inst = await getRaw(t.app, path, ANY_TS);
  assert.equal(inst.status, 200);
  const [part] = parseMultipart(inst.headers['content-type'], inst.body);
  assert.equal(sha(part.body), sha(bytes), 'instance bytes are the stored bytes');

  const md = await request(t.app).get(`${path}/metadata`).set('Accept', 'application/dicom+json');
  assert.equal(md.status, 200);
  assert.equal(md.body.length, 1);
  await writeFile(join(dir, 'metadata.json'), JSON.stringify(md.body[0]));
  const bulk = await fetchBulk(t, md.body[0], dir);

  const frames = Number(md.body[0]['00280008']?.Value?.[0] ?? 1);
  const list = Array.from({ length: frames }, (_, i) => i + 1).join(',');
  const asStored = await getRaw(t.app, `${path}/frames/${list}`, FRAMES_AS_STORED);
  // Float Pixel Data (Parametric Map) has no frames resource here; broken files may have none readable.
  const noPixelData = !md.body[0]['7FE00010'];
  const broken = entry.path.startsWith('broken/') || noPixelData;
  const mayRefuse = broken || UNDECODABLE.test(entry.transferSyntax);
  assert.ok(asStored.status === 200 || (broken && asStored.status === 406), `frames as stored: ${asStored.status} ${asStored.body}`);
  const storedFrames = asStored.status === 200 ? await saveParts(asStored, dir, 'stored') : [];
  if (asStored.status === 200) assert.equal(storedFrames.length, frames);

  const native = await getRaw(t.app, `${path}/frames/${list}`, FRAMES_NATIVE);
  assert.ok(native.status === 200 || (mayRefuse && native.status === 406), `decoded frames: ${native.status} ${native.body}`);
  const nativeFrames = native.status === 200 ? await saveParts(native, dir, 'native') : [];

  const rendered = await getRaw(t.app, `${path}/rendered`, 'image/png');
  assert.ok(rendered.status === 200 || (mayRefuse && rendered.status === 406), `rendered: ${rendered.status} ${rendered.body}`);
  if (rendered.status === 200) {
    const meta = await sharp(rendered.body).metadata();
    assert.equal(meta.width, md.body[0]['00280011'].Value[0]);
    assert.equal(meta.height, md.body[0]['00280010'].Value[0]);
  } else assert.match(JSON.parse(rendered.body.toString())['00000902'].Value[0], /.{10}/, 'a 406 says why');

  const transcoded = await getRaw(t.app, path, 'multipart/related; type="application/dicom"');
  assert.ok(transcoded.status === 200 || (mayRefuse && !noPixelData && transcoded.status === 406), `Explicit VR LE: ${transcoded.status} ${transcoded.body.subarray(0, 300)}`);
  if (transcoded.status === 200) {
    const [p] = parseMultipart(transcoded.headers['content-type'], transcoded.body);
    assert.match(p.headers['content-type'], /transfer-syntax=1\.2\.840\.10008\.1\.2\.1$/);
    await writeFile(join(dir, 'transcoded.dcm'), p.body);
  }
  return { file: original, dir, bulk, storedFrames, nativeFrames, transcoded: transcoded.status === 200 };
}

/** Fetches every BulkDataURI (bare and as a 2-range) and checks the range against the whole. */
async function fetchBulk(t: TestApp, ds: any, dir: string): Promise<Record<string, string>> {
  const uris: string[] = [];
  const walk = (d: any) => {
    for (const el of Object.values<any>(d)) {
      if (el.BulkDataURI) uris.push(el.BulkDataURI);
      if (el.vr === 'SQ') for (const item of el.Value ?? []) walk(item);
    }
  };
  walk(ds);
  const map: Record<string, string> = {};
  for (const [i, uri] of uris.entries()) {
    const res = await getRaw(t.app, new URL(uri).pathname, 'application/octet-stream');
    assert.equal(res.status, 200, `bulk ${uri}`);
    const name = join(dir, `bulk-${i}.bin`);
    await writeFile(name, res.body);
    map[uri] = name;
    if (res.body.length > 10) {
      const part = await getRaw(t.app, new URL(uri).pathname, 'application/octet-stream', { Range: 'bytes=3-9' });
      assert.equal(part.status, 206);
      assert.deepEqual(part.body, res.body.subarray(3, 10), 'a byte range is that slice of the value');
    }
  }
  return map;
}

async function saveParts(res: { headers: Record<string, string>; body: Buffer }, dir: string, kind: string): Promise<string[]> {
  const names: string[] = [];
  for (const [i, p] of parseMultipart(res.headers['content-type'], res.body).entries()) {
    const name = join(dir, `${kind}-${i + 1}.bin`);
    await writeFile(name, p.body);
    names.push(name);
  }
  return names;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
