/**
 * WADO-RS of the de-identified view beyond whole instances, on both backends:
 * metadata (study, series, instance), bulk data, frames, rendered and
 * thumbnails at /dicomweb/deid, addressed by de-identified UIDs.
 * Proves, for every instance stored: no identifying value of the original
 * (names, IDs, UIDs, private bulk data) appears in any response; UIDs are the
 * de-identified ones; the metadata is the header of the de-identified
 * instance the view retrieves; frames, Pixel Data and renders equal the
 * original's; instances whose pixels may hold burned-in text are flagged.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { readMultipart, contentTypeParam } from '../../dicomweb/multipart/related-reader.js';
import { parseHeader } from '../../dicom/parse-header.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { BACKENDS, startTestApp, type TestApp } from '../helpers/test-app.js';
import { syntheticInstance, newUid } from '../fixtures/synthetic-dicom.js';

const PHI = {
  PatientName: 'Wadotest^Wilhelmina^Q',
  PatientID: 'WADO-PID-8812',
  PatientBirthDate: '19520417',
  InstitutionName: 'Wadotest Lakeside Hospital',
  ReferringPhysicianName: 'Referrer^Rosalind',
  AccessionNumber: 'ACC-WADO-77',
};
const PHI_STRINGS = ['Wadotest', 'Wilhelmina', 'WADO-PID-8812', '19520417', 'Lakeside', 'Rosalind', 'ACC-WADO-77'];
/** CT slices, a CT with private binary values (GEMS, removed by the profile), an ultrasound with palette LUTs (kept). */
const FILES = ['ct/dcmqi-ct-3slice/01.dcm', 'ct/dcmqi-ct-3slice/02.dcm', 'ct/CT_small.dcm', 'us/examples_palette.dcm'];
/** Identifying attributes whose original values must never show in the view. */
const IDENTIFYING_TAGS = ['00100010', '00100020', '00080080', '00080081', '00080090', '00080050', '00081010', '00081070', '00200010', '00321032'];

interface Original {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
}

function get(app: Express, path: string, accept?: string, range?: string) {
  let r = request(app).get(path);
  if (accept) r = r.set('Accept', accept);
  if (range) r = r.set('Range', range);
  return r.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

async function parts(contentType: string, body: Buffer): Promise<Buffer[]> {
  const out: Buffer[] = [];
  async function* once() {
    yield body;
  }
  for await (const part of readMultipart(once(), contentTypeParam(contentType, 'boundary')!)) {
    const chunks: Buffer[] = [];
    for await (const c of part.body) chunks.push(c as Buffer);
    out.push(Buffer.concat(chunks));
  }
  return out;
}

/** Every UID of a dataset (any depth) that is not a public constant of the standard. */
function uidsOf(ds: DicomDataset, out = new Set<string>()): Set<string> {
  for (const el of Object.values(ds)) {
    if (el.vr === 'SQ') for (const item of el.Value ?? []) if (item && typeof item === 'object') uidsOf(item as DicomDataset, out);
    if (el.vr === 'UI') for (const v of el.Value ?? []) if (typeof v === 'string' && v && !v.startsWith('1.2.840.10008.')) out.add(v.replace(/\0/g, ''));
  }
  return out;
}

function textOf(v: unknown): string | undefined {
  if (v && typeof v === 'object') return (v as { Alphabetic?: string }).Alphabetic;
  return typeof v === 'string' ? v.trim() : undefined;
}

const pathname = (uri: string) => new URL(uri).pathname;
const bulkUris = (json: string) => [...json.matchAll(/"BulkDataURI":"([^"]+)"/g)].map((m) => m[1]);

for (const backend of BACKENDS) {
  describe(`de-identified view WADO-RS: metadata, bulk data, frames, rendered (${backend})`, () => {
    let t: TestApp;
    const studyUid = newUid();
    const seriesUid = newUid();
    /** Values of the originals that must not leave through the view. */
    const forbidden = new Set<string>(PHI_STRINGS);
    const originals: Original[] = [];
    let viewInstances: any[] = [];
    const deidOf = (uid: string) => t.container.deid.engine.uid(t.container.config.defaultTenant, uid);
    /** The view's answer as text, checked for every forbidden value. */
    const assertClean = (what: string, res: { body: unknown; headers: Record<string, string> }) => {
      const text = (Buffer.isBuffer(res.body) ? res.body.toString('latin1') : JSON.stringify(res.body)) + JSON.stringify(res.headers);
      for (const s of forbidden) assert.ok(!text.includes(s), `${what}: original value "${s}" in the de-identified view`);
    };

    before(async () => {
      t = await startTestApp(backend, { DEID_POLICY: 'on-read', BULKDATA_THRESHOLD: '64' });
      const own = [1, 2].map((n) => syntheticInstance({ studyUid, seriesUid, attrs: { ...PHI, InstanceNumber: String(n) } }));
      const files = [...own, ...FILES.map((f) => readFileSync(CORPUS_DIR + f))];
      const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody(files));
      assert.equal(res.status, 200, `STOW: ${JSON.stringify(res.body).slice(0, 300)}`);
      for (const f of files) {
        const ds = parseHeader(f, true)!.dataset;
        const uid = (tag: string) => String(ds[tag].Value![0]);
        originals.push({ studyUid: uid('0020000D'), seriesUid: uid('0020000E'), sopUid: uid('00080018') });
        for (const u of uidsOf(ds)) forbidden.add(u);
        for (const tag of IDENTIFYING_TAGS) {
          for (const v of ds[tag]?.Value ?? []) {
            const s = textOf(v);
            if (s && s.length >= 4 && !/^anonymi[sz]ed$/i.test(s)) forbidden.add(s);
          }
        }
      }
      viewInstances = (await request(t.app).get('/dicomweb/deid/instances').query({ limit: '1000' })).body;
      assert.equal(viewInstances.length, files.length, 'every stored instance is in the view');
    });
    after(async () => t.close());

    const viewUrl = (i: any) => `/dicomweb/deid/studies/${i['0020000D'].Value[0]}/series/${i['0020000E'].Value[0]}/instances/${i['00080018'].Value[0]}`;
    const identifiedUrl = (o: Original) => `/dicomweb/studies/${o.studyUid}/series/${o.seriesUid}/instances/${o.sopUid}`;
    /** The original instance behind a view instance (its UIDs map to the view's). */
    const originalOf = (i: any) => originals.find((o) => deidOf(o.sopUid) === i['00080018'].Value[0])!;

    test('instance metadata is the header of the de-identified instance: de-identified UIDs, pseudonyms, bulk data URIs in the view, no PHI', async () => {
      for (const i of viewInstances) {
        const o = originalOf(i);
        assert.ok(o, 'the view instance maps to a stored original');
        const res = await request(t.app).get(`${viewUrl(i)}/metadata`).set('Accept', 'application/dicom+json');
        assert.equal(res.status, 200, `metadata of ${o.sopUid}: ${res.status}`);
        assertClean(`metadata of ${o.sopUid}`, res);
        assert.equal(res.body.length, 1);
        const md = res.body[0];
        assert.equal(md['0020000D'].Value[0], deidOf(o.studyUid));
        assert.equal(md['0020000E'].Value[0], deidOf(o.seriesUid));
        assert.equal(md['00080018'].Value[0], deidOf(o.sopUid));
        assert.match(md['00100020'].Value[0], /^ANON-/);
        assert.equal(md['00120062'].Value[0], 'YES');
        assert.ok(md['7FE00010'].BulkDataURI, 'Pixel Data is a bulk data URI');
        for (const uri of bulkUris(res.text)) assert.ok(pathname(uri).startsWith(`${viewUrl(i)}/bulkdata/`), `bulk data URI outside the view: ${uri}`);

        // The same header as the instance retrieved from the view (the metadata is not a second, looser de-identification).
        const whole = await get(t.app, viewUrl(i), 'multipart/related; type="application/dicom"; transfer-syntax=*');
        assert.equal(whole.status, 200);
        const h = parseHeader((await parts(whole.headers['content-type'], whole.body as Buffer))[0], true)!;
        const tags = (ds: object) => Object.keys(ds).filter((k) => k !== '7FE00010' && k !== '00083002').sort();
        assert.deepEqual(tags(md), tags(h.dataset), `metadata and retrieved instance differ in attributes (${o.sopUid})`);
        for (const tag of ['00100010', '00100020', '00100030', '00080020', '0020000D', '0020000E', '00080018', '00200052']) {
          assert.deepEqual(md[tag]?.Value ?? null, h.dataset[tag]?.Value ?? null, `${tag} differs between metadata and instance`);
        }
      }
    });

    test('study and series metadata: every instance of the scope, de-identified; unknown or original UIDs are 404', async () => {
      const synthetic = viewInstances.filter((i) => i['0020000D'].Value[0] === deidOf(studyUid));
      assert.equal(synthetic.length, 2);
      const study = await request(t.app).get(`/dicomweb/deid/studies/${deidOf(studyUid)}/metadata`);
      assert.equal(study.status, 200);
      assert.equal(study.body.length, 2);
      assertClean('study metadata', study);
      assert.deepEqual(study.body.map((m: any) => m['00100020'].Value[0]).filter((v: string, n: number, a: string[]) => a.indexOf(v) === n).length, 1, 'one pseudonym per patient');
      const series = await request(t.app).get(`/dicomweb/deid/studies/${deidOf(studyUid)}/series/${deidOf(seriesUid)}/metadata`);
      assert.equal(series.status, 200);
      assert.equal(series.body.length, 2);
      assertClean('series metadata', series);
      // The original UIDs name nothing in the view, and the view's UIDs name nothing on /dicomweb.
      assert.equal((await request(t.app).get(`/dicomweb/deid/studies/${studyUid}/metadata`)).status, 404);
      assert.equal((await request(t.app).get(`/dicomweb/studies/${deidOf(studyUid)}/metadata`)).status, 404);
    });

    test('bulk data: Pixel Data equals the original; other values come from the de-identified header; removed values are 404', async () => {
      let kept = 0;
      let removed = 0;
      for (const i of viewInstances) {
        const o = originalOf(i);
        const view = await request(t.app).get(`${viewUrl(i)}/metadata`);
        const viewPaths = new Set(bulkUris(view.text).map((u) => pathname(u).slice(`${viewUrl(i)}/bulkdata/`.length)));
        for (const path of viewPaths) {
          const a = await get(t.app, `${viewUrl(i)}/bulkdata/${path}`, 'application/octet-stream');
          const b = await get(t.app, `${identifiedUrl(o)}/bulkdata/${path}`, 'application/octet-stream');
          assert.equal(a.status, 200, `view bulk data ${path}: ${a.status}`);
          assertClean(`bulk data ${path}`, a);
          // Pixel Data and the values the profile keeps (palette LUTs) are the original bytes.
          assert.ok((a.body as Buffer).equals(b.body as Buffer), `bulk data ${path} differs from the original`);
          if (path !== '7FE00010') kept++;
        }
        // Values of the original that the profile removes (private GEMS data of CT_small) are not served.
        const identified = await request(t.app).get(`${identifiedUrl(o)}/metadata`);
        for (const uri of bulkUris(identified.text)) {
          const path = pathname(uri).slice(`${identifiedUrl(o)}/bulkdata/`.length);
          if (viewPaths.has(path)) continue;
          const res = await get(t.app, `${viewUrl(i)}/bulkdata/${path}`, 'application/octet-stream');
          assert.equal(res.status, 404, `removed value ${path} served by the view (${res.status})`);
          removed++;
        }
      }
      assert.ok(kept >= 3, `palette LUT data served from the de-identified header (${kept})`);
      assert.ok(removed >= 1, `private bulk data of the original refused (${removed})`);
      // A range of Pixel Data, as on /dicomweb.
      const ct = viewInstances.find((i) => originalOf(i).sopUid === originals[2].sopUid);
      const part = await get(t.app, `${viewUrl(ct)}/bulkdata/7FE00010`, 'application/octet-stream', 'bytes=10-19');
      assert.equal(part.status, 206);
      assert.equal((part.body as Buffer).length, 10);
    });

    test('frames equal the original frames; the original UIDs find no frames in the view', async () => {
      const accept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
      for (const i of viewInstances) {
        const o = originalOf(i);
        const a = await get(t.app, `${viewUrl(i)}/frames/1`, accept);
        const b = await get(t.app, `${identifiedUrl(o)}/frames/1`, accept);
        assert.equal(a.status, b.status, `frames of ${o.sopUid}`);
        assert.equal(a.status, 200);
        assertClean('frames', a);
        const [fa] = await parts(a.headers['content-type'], a.body as Buffer);
        const [fb] = await parts(b.headers['content-type'], b.body as Buffer);
        assert.ok(fa.length > 0 && fa.equals(fb), `frame 1 of ${o.sopUid} differs from the original`);
      }
      const o = originals[0];
      assert.equal((await get(t.app, `/dicomweb/deid/studies/${o.studyUid}/series/${o.seriesUid}/instances/${o.sopUid}/frames/1`, accept)).status, 404);
    });

    test('rendered and thumbnails: the original pixels, addressed by de-identified UIDs', async () => {
      for (const i of viewInstances) {
        const o = originalOf(i);
        for (const resource of ['rendered', 'thumbnail', 'frames/1/rendered']) {
          const a = await get(t.app, `${viewUrl(i)}/${resource}`, 'image/png');
          const b = await get(t.app, `${identifiedUrl(o)}/${resource}`, 'image/png');
          assert.equal(a.status, 200, `${resource} of ${o.sopUid}: ${a.status}`);
          assert.equal(a.headers['content-type'], 'image/png');
          assert.ok((a.body as Buffer).equals(b.body as Buffer), `${resource} of ${o.sopUid} differs from the original's`);
        }
      }
      const studyThumb = await get(t.app, `/dicomweb/deid/studies/${deidOf(studyUid)}/thumbnail`, 'image/jpeg');
      assert.equal(studyThumb.status, 200);
      assert.equal(studyThumb.headers['content-type'], 'image/jpeg');
      const seriesRendered = await get(t.app, `/dicomweb/deid/studies/${deidOf(studyUid)}/series/${deidOf(seriesUid)}/rendered`, 'image/png');
      assert.equal(seriesRendered.status, 200);
      assert.equal((await parts(seriesRendered.headers['content-type'], seriesRendered.body as Buffer)).length, 2);
    });

    test('pixels that may hold burned-in text are flagged on every pixel resource, never served as clean', async () => {
      const us = viewInstances.find((i) => i['00080060']?.Value?.[0] === 'US');
      const ct = viewInstances.find((i) => i['00080060']?.Value?.[0] === 'CT');
      assert.ok(us && ct);
      for (const resource of ['metadata', 'frames/1', 'rendered', 'thumbnail', 'bulkdata/7FE00010']) {
        const flagged = await get(t.app, `${viewUrl(us)}/${resource}`, resource === 'metadata' ? 'application/dicom+json' : '*/*');
        assert.equal(flagged.status, 200, `${resource}: ${flagged.status}`);
        assert.match(String(flagged.headers.warning), /^299 .*burned-in.*ultrasound/, `${resource} of an ultrasound is not flagged`);
        const clean = await get(t.app, `${viewUrl(ct)}/${resource}`, resource === 'metadata' ? 'application/dicom+json' : '*/*');
        assert.equal(clean.headers.warning, undefined, `${resource} of a CT flagged`);
      }
      const series = await get(t.app, `/dicomweb/deid/studies/${us['0020000D'].Value[0]}/series/${us['0020000E'].Value[0]}/thumbnail`, 'image/png');
      assert.match(String(series.headers.warning), /ultrasound/);
    });

    test('header de-identifications for metadata are audited without PHI', async () => {
      await t.container.deid.audit.close();
      const text = await readFile(join(t.container.config.dataDir, 'audit', 'deid.jsonl'), 'utf8');
      const records = text.trim().split('\n').map((l) => JSON.parse(l));
      const metadata = records.filter((r) => r.trigger === 'metadata');
      assert.ok(metadata.length >= viewInstances.length, `one record per de-identified header (${metadata.length})`);
      for (const r of metadata) assert.match(r.instanceId, /^2\.25\./);
      for (const s of forbidden) assert.ok(!text.includes(s), `audit holds "${s}"`);
    });
  });
}
