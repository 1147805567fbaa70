/**
 * No PHI in logs: files full of patient data go through STOW-RS, the upload
 * API (valid and broken files), QIDO-RS searches by patient name, WADO-RS
 * and the de-identified view, with the server's logger at debug level
 * writing into a captured stream (and stdout/stderr captured as well).
 * No patient name, ID, birth date or institution name from those files may
 * appear in any log line, nor in the de-identification audit file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { buildContainer, type Container } from '../../server/container.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { pydicomDump } from './helpers.js';

const FILES = [
  'ct/CT_small.dcm', 'mr/MR_small.dcm', 'cr-dx/pcir-77654033-CR1-6154.dcm', 'charset/chrH31.dcm', 'charset/chrRuss.dcm',
  'sr/highdicom-sr_document.dcm', 'sr/test-SR.dcm', 'pt/tcia-acrin-flt-breast-1.dcm', 'us/US-RGB-8-esopecho.dcm',
  'broken/MR_truncated.dcm', 'broken/meta_missing_tsyntax.dcm', 'broken/no_meta-stray-leading-byte.dcm', 'broken/rtplan_truncated.dcm',
].filter((f) => { try { readFileSync(CORPUS_DIR + f); return true; } catch { return false; } });
const SYNTHETIC_STUDY = newUid();
const SYNTHETIC = { PatientName: 'Loggable^Lorraine^Maxine', PatientID: 'LOG-PID-31337', PatientBirthDate: '19440404', InstitutionName: 'Leaky Logs Infirmary', ReferringPhysicianName: 'Tattletale^Theodore' };
const PLACEHOLDERS = new Set(['REMOVED', 'ANONYMIZED', 'ANONYMOUS', 'UNKNOWN']);
const PHI_TAGS = ['00100010', '00100020', '00100030', '00080080', '00080090', '00101000', '00101001'];

let dir: string;
let container: Container;
let app: Express;
const lines: string[] = [];
let phi: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-logs-'));
  const sink = new Writable({ write(chunk, _e, done) { lines.push(String(chunk)); done(); } });
  const log = pino({ level: 'debug', base: undefined }, sink);
  container = await buildContainer(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'debug', DEID_POLICY: 'on-read' }), log);
  app = createApp(container);
  const values = new Set<string>(Object.values(SYNTHETIC));
  for (const d of pydicomDump(FILES.map((f) => CORPUS_DIR + f)).values()) {
    for (const [, tag, , value] of d.elements ?? []) {
      if (!PHI_TAGS.includes(tag)) continue;
      for (const v of value.split(/[\\^=]/)) {
        // Placeholders left by earlier de-identification (e.g. TCIA's "REMOVED") are not PHI.
        if (v.trim().length >= 5 && !/^[\d.\s]+$/.test(v) && !PLACEHOLDERS.has(v.trim().toUpperCase())) values.add(v.trim());
      }
    }
  }
  phi = [...values];
});
after(async () => {
  await container.close();
  await rm(dir, { recursive: true, force: true });
});

test('no PHI value reaches a log line or the audit file, whatever the requests do', async () => {
  assert.ok(phi.length >= 10, `only ${phi.length} PHI values collected`);
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const console: string[] = [];
  process.stdout.write = ((c: unknown, ...rest: unknown[]) => (console.push(String(c)), stdout(c as string, ...(rest as []))));
  process.stderr.write = ((c: unknown, ...rest: unknown[]) => (console.push(String(c)), stderr(c as string, ...(rest as []))));
  try {
    const files = [...FILES.map((f) => readFileSync(CORPUS_DIR + f)), syntheticInstance({ studyUid: SYNTHETIC_STUDY, attrs: SYNTHETIC })];
    await request(app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody(files));
    for (const [i, f] of files.entries()) {
      await request(app).post('/api/imaging/upload-dicom').attach('file', f, { filename: `f${i}.dcm`, contentType: 'application/dicom' }).field('patientId', SYNTHETIC.PatientID);
    }
    await request(app).post('/api/imaging/upload-dicom').attach('file', Buffer.from(SYNTHETIC.PatientName.repeat(20)), { filename: `${SYNTHETIC.PatientName}.dcm` }).field('patientId', 'x');
    await request(app).get('/dicomweb/studies').query({ PatientName: SYNTHETIC.PatientName, PatientID: SYNTHETIC.PatientID });
    await request(app).get('/dicomweb/studies').query({ PatientName: `${SYNTHETIC.PatientName}[`, fuzzymatching: 'maybe' });
    await request(app).get('/api/imaging').query({ patientId: SYNTHETIC.PatientID, manufacturer: SYNTHETIC.InstitutionName });
    const studies = (await request(app).get('/dicomweb/deid/studies')).body as Array<Record<string, { Value: string[] }>>;
    for (const s of studies) await request(app).get(new URL(s['00081190'].Value[0]).pathname).buffer(true).parse((res, cb) => { res.on('data', () => undefined); res.on('end', () => cb(null, null)); });
    // The view's other WADO-RS resources: metadata, bulk data, frames, rendered, thumbnails, and a failing lookup.
    const drain = (path: string) => request(app).get(path).buffer(true).parse((res, cb) => { res.on('data', () => undefined); res.on('end', () => cb(null, null)); });
    const viewInstances = (await request(app).get('/dicomweb/deid/instances').query({ limit: '1000' })).body as Array<Record<string, { Value: string[] }>>;
    for (const i of viewInstances) {
      const url = new URL(i['00081190'].Value[0]).pathname;
      const md = await request(app).get(`${url}/metadata`);
      for (const m of md.text.matchAll(/"BulkDataURI":"([^"]+)"/g)) await drain(new URL(m[1]).pathname);
      for (const r of ['frames/1', 'rendered', 'thumbnail', 'frames/1/rendered', 'bulkdata/00100010']) await drain(`${url}/${r}`);
    }
    await drain(`/dicomweb/deid/studies/${SYNTHETIC_STUDY}/metadata`);
    const identified = (await request(app).get('/dicomweb/studies')).body as Array<Record<string, { Value: string[] }>>;
    for (const s of identified.slice(0, 3)) await request(app).get(new URL(s['00081190'].Value[0]).pathname).buffer(true).parse((res, cb) => { res.on('data', () => undefined); res.on('end', () => cb(null, null)); });
    await container.fhir.sync.idle();
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  await container.deid.audit.close();
  const audit = await readFile(join(dir, 'audit', 'deid.jsonl'), 'utf8');
  assert.ok(audit.length > 0, 'the view wrote audit records');
  assert.ok(lines.length > 0, 'the server logged something at debug level (else this test proves nothing)');
  const leaks: string[] = [];
  for (const [where, text] of [['log', lines.join('')], ['stdout/stderr', console.join('')], ['deid audit', audit]] as const) {
    for (const v of phi) if (text.toLowerCase().includes(v.toLowerCase())) leaks.push(`${where}: "${v}"`);
  }
  assert.deepEqual(leaks, []);
});
