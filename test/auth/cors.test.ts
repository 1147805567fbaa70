/**
 * CORS for browser clients (the viewer on another origin, SMART apps):
 * preflights are answered before authentication, only for CORS_ORIGINS.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { bearer, startAuthApp, type AuthApp } from './helpers/auth-app.js';
import { startTestApp } from '../helpers/test-app.js';

const VIEWER = 'https://viewer.example.org';

describe('CORS with CORS_ORIGINS set and authentication required', () => {
  let t: AuthApp;
  before(async () => {
    t = await startAuthApp('embedded+fs', { env: { CORS_ORIGINS: `${VIEWER}, https://other.example.org` } });
  });
  after(async () => t.close());

  const preflight = (origin: string, path = '/dicomweb/studies') => request(t.app).options(path)
    .set('Origin', origin).set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization, accept');

  test('a preflight from an allowed origin is answered without credentials', async () => {
    const res = await preflight(VIEWER);
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], VIEWER);
    assert.match(res.headers['access-control-allow-methods'], /GET/);
    assert.match(res.headers['access-control-allow-headers'], /Authorization/);
    assert.match(res.headers['access-control-allow-headers'], /X-API-Key/);
    assert.ok(Number(res.headers['access-control-max-age']) > 0);
    assert.match(res.headers.vary, /Origin/);
    assert.equal((await preflight(VIEWER, '/fhir/ImagingStudy/abc')).status, 204);
  });

  test('a preflight from another origin gets no CORS headers', async () => {
    const res = await preflight('https://evil.example.com');
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal(res.headers['access-control-allow-methods'], undefined);
  });

  test('actual requests carry the allow-origin and expose the challenge and paging headers', async () => {
    const ok = await request(t.app).get('/dicomweb/studies').set('Origin', VIEWER).set(bearer(await t.tokenFor('a')));
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], VIEWER);
    assert.match(ok.headers['access-control-expose-headers'], /WWW-Authenticate/);
    assert.match(ok.headers['access-control-expose-headers'], /Warning/);
    const refused = await request(t.app).get('/dicomweb/studies').set('Origin', VIEWER);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['access-control-allow-origin'], VIEWER, 'the browser app can read the 401 and start a login');
    const foreign = await request(t.app).get('/dicomweb/studies').set('Origin', 'https://evil.example.com').set(bearer(await t.tokenFor('a')));
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  });
});

test('CORS_ORIGINS=* allows any origin; unset, no CORS headers at all', async () => {
  const any = await startTestApp('embedded+fs', { CORS_ORIGINS: '*' });
  const none = await startTestApp('embedded+fs');
  try {
    const res = await request(any.app).options('/dicomweb/studies').set('Origin', 'https://x.example').set('Access-Control-Request-Method', 'POST');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const off = await request(none.app).get('/dicomweb/studies').set('Origin', VIEWER);
    assert.equal(off.headers['access-control-allow-origin'], undefined);
  } finally {
    await any.close();
    await none.close();
  }
});
