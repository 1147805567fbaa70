import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, fileParts } from '../helpers/multipart.js';
import { launchChromium } from '../dicomweb/browser-helpers.js';

/**
 * The npm dicomweb-client (the library OHIF grew from) against a running
 * server. It is written for browsers (XMLHttpRequest), so it runs in
 * Chromium on a page of the server's own origin; answers are compared with
 * the stored files.
 */
const require = createRequire(import.meta.url);
const UMD = require.resolve('dicomweb-client/build/dicomweb-client.js');
const CT = `${CORPUS_DIR}ct/CT_small.dcm`;
const JLS = `${CORPUS_DIR}pt/pet-jpegls.dcm`;

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-npm-client-'));
  server = await startServerProcess({ DATA_DIR: dataDir });
  const res = await fetch(`${server.url}/dicomweb/studies`, { method: 'POST', headers: { 'Content-Type': STOW_TYPE }, body: new Uint8Array(fileParts([CT, JLS])) });
  assert.equal(res.status, 200);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${server.url}/healthz`);
  await page.addScriptTag({ path: UMD });
});
after(async () => {
  await browser?.close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * Runs one client call in the page; binary answers come back as arrays of
 * byte arrays. The script is a string: tsx rewrites functions with helpers
 * that do not exist in the page.
 */
function inPage<T>(fn: string, args: Record<string, unknown>): Promise<T> {
  return page.evaluate(`(async () => {
    const client = new DICOMwebClient.api.DICOMwebClient({ url: ${JSON.stringify(`${server.url}/dicomweb`)} });
    const out = await client[${JSON.stringify(fn)}](${JSON.stringify(args)});
    const bytes = (x) => Array.from(new Uint8Array(x instanceof ArrayBuffer ? x : x.buffer));
    if (Array.isArray(out) && (out[0] instanceof ArrayBuffer || ArrayBuffer.isView(out[0]))) return out.map(bytes);
    if (out instanceof ArrayBuffer || ArrayBuffer.isView(out)) return [bytes(out)];
    return out;
  })()`) as Promise<T>;
}

test('searchForInstances, retrieveInstanceMetadata and retrieveStudy from the npm client', { timeout: 60_000 }, async () => {
  const found = await inPage<any[]>('searchForInstances', {});
  assert.equal(found.length, 2);
  const ct = found.find((i) => i['00080016'].Value[0] === '1.2.840.10008.5.1.4.1.1.2');
  const ids = { studyInstanceUID: ct['0020000D'].Value[0], seriesInstanceUID: ct['0020000E'].Value[0], sopInstanceUID: ct['00080018'].Value[0] };
  const meta = await inPage<any[]>('retrieveInstanceMetadata', ids);
  assert.equal(meta[0]['00280010'].Value[0], 128);
  assert.match(meta[0]['7FE00010'].BulkDataURI, /\/bulkdata\/7FE00010$/);
  const study = await inPage<number[][]>('retrieveStudy', { studyInstanceUID: ids.studyInstanceUID });
  assert.equal(study.length, 1);
  assert.deepEqual(Buffer.from(study[0]), readFileSync(CT), 'an Explicit VR LE instance comes back byte for byte');
});

test('retrieveInstanceFrames as stored and retrieveInstanceRendered from the npm client', { timeout: 60_000 }, async () => {
  const found = await inPage<any[]>('searchForInstances', { queryParams: { Modality: 'PT' } });
  const pt = found[0];
  const ids = { studyInstanceUID: pt['0020000D'].Value[0], seriesInstanceUID: pt['0020000E'].Value[0], sopInstanceUID: pt['00080018'].Value[0] };
  const frames = await inPage<number[][]>('retrieveInstanceFrames', { ...ids, frameNumbers: [1], mediaTypes: [{ mediaType: 'image/jls', transferSyntaxUID: '1.2.840.10008.1.2.4.80' }] });
  assert.equal(frames.length, 1);
  assert.deepEqual(frames[0].slice(0, 2), [0xff, 0xd8], 'a JPEG-LS bitstream');
  const native = await inPage<number[][]>('retrieveInstanceFrames', { ...ids, frameNumbers: [1] });
  assert.equal(native[0].length, 128 * 128 * 2, 'decoded to 16-bit native pixels');
  const rendered = await inPage<number[][]>('retrieveInstanceRendered', { ...ids, mediaTypes: [{ mediaType: 'image/png' }] });
  assert.deepEqual(rendered[0].slice(1, 4), [0x50, 0x4e, 0x47], 'a PNG');
});
