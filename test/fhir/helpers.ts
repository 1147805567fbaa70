/** Shared by the FHIR HTTP tests: an app with FHIR sync, STOW helpers, and paging through searches. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import type { Express } from 'express';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { type Backend, type TestApp, startTestApp } from '../helpers/test-app.js';

export const FHIR_JSON = /^application\/fhir\+json; charset=utf-8$/;

/** A test app whose FHIR sync runs without delay. */
export function startFhirApp(backend: Backend = 'embedded+fs', env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp(backend, { FHIR_SYNC_DELAY_MS: '0', ...env });
}

/** STOWs instances (corpus paths, relative to the corpus, or bytes) and waits until the FHIR sync is idle. */
export async function store(t: TestApp, parts: Array<string | Buffer>): Promise<void> {
  const body = multipartBody(parts.map((p) => (typeof p === 'string' ? readFileSync(CORPUS_DIR + p) : p)));
  const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(body);
  assert.ok([200, 202, 409].includes(res.status), `STOW answered ${res.status}`);
  await t.container.fhir.sync.idle();
}

/** GET as JSON; asserts the FHIR media type. */
export async function get(app: Express, url: string, status = 200): Promise<any> {
  const res = await request(app).get(url);
  assert.equal(res.status, status, `${url}: ${res.status} ${res.text.slice(0, 500)}`);
  assert.match(res.headers['content-type'] ?? '', FHIR_JSON, url);
  return res.body;
}

/** Ids of the `match` entries of a searchset. */
export function matchIds(bundle: any): string[] {
  return (bundle.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource.id).sort();
}

/** Every match of a search, following `next` links; checks each page's links and total. */
export async function allPages(app: Express, url: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = url;
  let total: number | undefined;
  for (let page = 0; next && page < 1000; page++) {
    const bundle = await get(app, next.replace(/^https?:\/\/[^/]+/, ''));
    assert.equal(bundle.type, 'searchset');
    total ??= bundle.total;
    assert.equal(bundle.total, total, 'total is stable across pages');
    out.push(...(bundle.entry ?? []).filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource));
    next = bundle.link.find((l: any) => l.relation === 'next')?.url;
  }
  assert.equal(out.length, total, `${url}: the pages hold every match`);
  return out;
}
