import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, fileParts } from '../helpers/multipart.js';
import { haveChromium, launchChromium } from './browser-helpers.js';

/**
 * A person's path through the OHIF viewer served at /viewer: the stored
 * study is in the study list, it opens in the Basic Viewer, the viewport
 * shows a non-blank image and scrolling moves through the series. The last
 * screen is kept as test-artifacts/viewer.png.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts');
const SERIES = ['01.dcm', '02.dcm', '03.dcm'].map((f) => `${CORPUS_DIR}ct/dcmqi-ct-3slice/${f}`);

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
before(async () => {
  const ohif = execFileSync('bash', [join(ROOT, 'test/infra/tools.sh'), 'ohif'], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-viewer-'));
  server = await startServerProcess({ DATA_DIR: dataDir, OHIF_DIST: ohif });
  const res = await fetch(`${server.url}/dicomweb/studies`, { method: 'POST', headers: { 'Content-Type': STOW_TYPE }, body: new Uint8Array(fileParts(SERIES)) });
  assert.equal(res.status, 200);
  if (haveChromium()) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('OHIF at /viewer lists the study, opens it and shows and scrolls the images', { timeout: 180_000, skip: !haveChromium() && 'Chromium is not installed (bash test/infra/tools.sh debian)' }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const failures: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 500 && r.url().includes('/dicomweb/')) failures.push(`${r.status()} ${r.url()}`);
  });
  try {
    await page.goto(`${server.url}/viewer/`);
    const row = page.getByText('JANCT000');
    await row.waitFor({ timeout: 60_000 });
    await row.click();
    await page.getByRole('button', { name: 'Basic Viewer' }).click();
    await page.waitForURL(/\/viewer\/viewer\?StudyInstanceUIDs=/, { timeout: 30_000 });
    const first = await waitForImage(page);
    await page.getByText(/I:\s*1 \(1\/3\)/).waitFor({ timeout: 30_000 });

    const canvas = page.locator('canvas').first();
    await canvas.hover();
    await page.mouse.wheel(0, 300);
    await page.getByText(/I:\s*2 \(2\/3\)/).waitFor({ timeout: 30_000 });
    await waitForImage(page, first);
    assert.deepEqual(failures, [], 'no DICOMweb request failed with 5xx');
  } finally {
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(join(ARTIFACTS, 'viewer.png'), await page.screenshot());
    await page.close();
  }
});

/**
 * Waits until the viewport canvas shows a real image (varied grey levels; a
 * blank canvas has none) that differs from `previous`, and returns its pixels.
 */
async function waitForImage(page: Page, previous?: Buffer): Promise<Buffer> {
  const canvas = page.locator('canvas').first();
  await canvas.waitFor({ timeout: 60_000 });
  const deadline = Date.now() + 60_000;
  let stdev = 0;
  while (Date.now() < deadline) {
    const shot = await canvas.screenshot();
    const stats = await sharp(shot).stats();
    stdev = stats.channels[0].stdev;
    const pixels = await sharp(shot).raw().toBuffer();
    if (stdev > 10 && !(previous && pixels.equals(previous))) return pixels;
    await page.waitForTimeout(500);
  }
  throw new Error(`the viewport stayed blank (grey level deviation ${stdev.toFixed(1)})`);
}
