/**
 * Bearer tokens: every refusal case answers 401 with an RFC 6750 challenge,
 * missing scopes 403, and bodies take the form of the protocol of the path.
 * Real JWTs, signed with keys made here; the JWKS comes from a file and from
 * an HTTP server on 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { bearer, startAuthApp, type AuthApp } from './helpers/auth-app.js';
import { TestIssuer } from './helpers/issuer.js';

const QIDO = '/dicomweb/studies';

function challenge(res: request.Response): string {
  const h = res.headers['www-authenticate'];
  assert.ok(h, `expected a WWW-Authenticate header on ${res.status}`);
  return h;
}

function assertInvalidToken(res: request.Response, description: RegExp): void {
  assert.equal(res.status, 401, JSON.stringify(res.body));
  const h = challenge(res);
  assert.match(h, /^Bearer realm="dicomweb", error="invalid_token", error_description="[^"]+"$/);
  assert.match(h, description);
  // DICOM-style body under /dicomweb: Status (0000,0900) and Error Comment (0000,0902).
  assert.equal(res.body['00000900'].Value[0], 401);
  assert.match(res.body['00000902'].Value[0], description);
}

describe('bearer tokens with the JWKS from a file', () => {
  let t: AuthApp;
  const get = (path: string, token?: string) => {
    const r = request(t.app).get(path);
    return token === undefined ? r : r.set(bearer(token));
  };
  before(async () => {
    t = await startAuthApp('embedded+fs', { jwks: 'file' });
  });
  after(async () => t.close());

  test('a valid token (RS256 or ES256) with the scope is served', async () => {
    assert.equal((await get(QIDO, await t.tokenFor('tenant-a', 'system/dicomweb.s'))).status, 200);
    const ec = await t.issuer.token({ tenant: 'tenant-a', scope: 'system/dicomweb.s' }, { alg: 'ES256' });
    assert.equal((await get(QIDO, ec)).status, 200);
    const scp = await t.issuer.token({ tenant: 'tenant-a', scp: ['system/dicomweb.rs'] });
    assert.equal((await get(QIDO, scp)).status, 200, 'an array "scp" claim counts as scopes');
  });

  test('no credential: 401 with a bare challenge naming the realm', async () => {
    const res = await get(QIDO);
    assert.equal(res.status, 401);
    assert.equal(challenge(res), 'Bearer realm="dicomweb"');
    assert.equal(res.type, 'application/dicom+json');
    const basic = await request(t.app).get(QIDO).set('Authorization', 'Basic dXNlcjpwYXNz');
    assert.equal(basic.status, 401);
    assert.equal(challenge(basic), 'Bearer realm="dicomweb"', 'an unsupported scheme is answered like no credential');
  });

  test('expired, not yet valid, and without exp', async () => {
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: 'a', scope: 'system/*.rs' }, { exp: -3600 })), /expired/);
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: 'a', scope: 'system/*.rs' }, { nbf: 3600 })), /not yet valid/);
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: 'a', scope: 'system/*.rs' }, { exp: null })), /no exp claim/);
  });

  test('wrongly signed, wrong audience, wrong issuer', async () => {
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: 'a', scope: 'system/*.rs' }, { forged: true })), /signature/);
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: 'a', scope: 'system/*.rs' }, { aud: 'https://other.example' })), /audience/);
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: 'a', scope: 'system/*.rs' }, { iss: 'https://evil.example' })), /issuer/);
  });

  test('alg none and HS256 signed with the public key are refused', async () => {
    assertInvalidToken(await get(QIDO, t.issuer.unsignedToken({ tenant: 'a', scope: 'system/*.rs' })), /algorithm/);
    assertInvalidToken(await get(QIDO, await t.issuer.hmacWithPublicKey({ tenant: 'a', scope: 'system/*.rs' })), /algorithm/);
  });

  test('malformed tokens and tokens without a usable tenant', async () => {
    assertInvalidToken(await get(QIDO, 'not.a.jwt'), /malformed/);
    assertInvalidToken(await get(QIDO, 'garbage'), /malformed/);
    assertInvalidToken(await get(QIDO, await t.issuer.token({ scope: 'system/*.rs' })), /valid tenant claim/);
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: '../other', scope: 'system/*.rs' })), /valid tenant claim/);
    assertInvalidToken(await get(QIDO, await t.issuer.token({ tenant: 'a', scope: 'system/*.rs', sub: undefined })), /subject/);
  });

  test('a missing scope is 403 insufficient_scope naming the scope needed', async () => {
    const res = await get(QIDO, await t.tokenFor('a', 'system/dicomweb.r system/ImagingStudy.rs'));
    assert.equal(res.status, 403);
    assert.equal(challenge(res), 'Bearer realm="dicomweb", error="insufficient_scope", error_description="this request needs the scope system/dicomweb.s", scope="system/dicomweb.s"');
    assert.equal(res.body['00000900'].Value[0], 403);
    const patient = await get(QIDO, await t.tokenFor('a', 'patient/*.cruds'));
    assert.equal(patient.status, 403, 'patient/ scopes grant nothing (no patient compartment is enforced)');
  });

  test('error bodies take the form of the protocol: OperationOutcome under /fhir, JSON elsewhere', async () => {
    const fhir = await get('/fhir/AuditEvent');
    assert.equal(fhir.status, 401);
    assert.equal(fhir.type, 'application/fhir+json');
    const outcome = JSON.parse(fhir.text);
    assert.equal(outcome.resourceType, 'OperationOutcome');
    assert.equal(outcome.issue[0].code, 'login');
    const forbidden = JSON.parse((await get('/fhir/AuditEvent', await t.tokenFor('a', 'system/*.cruds'))).text);
    assert.equal(forbidden.issue[0].code, 'forbidden', '* does not reach AuditEvent');

    const other = await get('/no/such/path', await t.issuer.token({ tenant: 'a' }, { exp: -3600 }));
    assert.equal(other.status, 401);
    assert.deepEqual(Object.keys(other.body).sort(), ['error', 'error_description']);
    assert.equal(other.body.error, 'invalid_token');
    const unknown = await get('/no/such/path', await t.tokenFor('a'));
    assert.equal(unknown.status, 404, 'an authenticated request that matches no route-table entry never reaches a router');
  });

  test('public routes need no credential', async () => {
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/readyz')).status, 200);
  });
});

describe('bearer tokens with the JWKS from an HTTP server on 127.0.0.1', () => {
  test('keys are fetched once and cached; an unknown kid is refused', async () => {
    const t = await startAuthApp('embedded+fs', { jwks: 'url' });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await request(t.app).get(QIDO).set(bearer(await t.tokenFor('a')))).status, 200);
      assert.equal(t.jwksRequests(), 1);
      assertInvalidToken(await request(t.app).get(QIDO).set(bearer(await t.issuer.token({ tenant: 'a' }, { forged: true }))), /signature/);
    } finally {
      await t.close();
    }
  });

  test('an unreachable key set is 503 with Retry-After, not 401', async () => {
    const issuer = await TestIssuer.create();
    const server = await issuer.serve();
    server.down(true);
    const t = await startAuthApp('embedded+fs', { issuer, env: { AUTH_JWKS_URL: server.url } });
    try {
      const res = await request(t.app).get(QIDO).set(bearer(await t.tokenFor('a')));
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '5');
      assert.equal(res.headers['www-authenticate'], undefined);
      server.down(false);
      assert.equal((await request(t.app).get(QIDO).set(bearer(await t.tokenFor('a')))).status, 200, 'recovers once the key set answers');
    } finally {
      await t.close();
      await server.close();
    }
  });
});
