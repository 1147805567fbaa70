/**
 * Scopes per route, over the whole route table: for every protected entry,
 * a token holding only the scope the entry needs gets past access control,
 * and a token holding every other scope (all other actions on the same
 * resource, every other resource) gets 403 insufficient_scope. API keys
 * are held to the same table.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTES, type RouteRule } from '../../server/auth/route-table.js';
import type { Action, Requirement } from '../../server/auth/scopes.js';
import { bearer, startAuthApp, type AuthApp } from './helpers/auth-app.js';
import { missingValues, send } from './helpers/route-probes.js';

const RESOURCES = ['dicomweb', 'deid', 'upload', 'fhirpush', 'AuditEvent', 'ImagingStudy', 'Patient', 'Observation', 'DiagnosticReport'];
const ACTIONS: Action[] = ['c', 'r', 'u', 'd', 's'];
/** The FHIR resource type the probes use for `:type`. */
const PROBE_TYPE = 'ImagingStudy';

const PROTECTED = ROUTES.filter((r): r is RouteRule & { access: { anyOf: Requirement[] } } => r.access !== 'public');
const needs = (r: (typeof PROTECTED)[number]) => r.access.anyOf.map((n) => ({ ...n, resource: n.resource === ':type' ? PROBE_TYPE : n.resource }));

/** Every (resource, action) except the ones given, as v2 scopes in cruds order. */
function everythingBut(excluded: Requirement[]): string {
  return RESOURCES.map((res) => {
    const letters = ACTIONS.filter((a) => !excluded.some((e) => e.resource === res && e.action === a)).join('');
    return letters ? `system/${res}.${letters}` : '';
  }).filter(Boolean).join(' ');
}

describe('scopes per route', () => {
  let t: AuthApp;
  before(async () => {
    t = await startAuthApp('embedded+fs', {
      apiKeys: PROTECTED.flatMap((r) => [
        { tenant: 'keys', scopes: needs(r).slice(0, 1).map((n) => `system/${n.resource}.${n.action}`) },
        { tenant: 'keys', scopes: everythingBut(needs(r)).split(' ') },
      ]),
    });
  });
  after(async () => t.close());

  PROTECTED.forEach((rule, i) => {
    test(`${rule.method} ${rule.path}`, async () => {
      for (const need of needs(rule)) {
        for (const context of ['system', 'user']) {
          const scope = `${context}/${need.resource}.${need.action}`;
          const res = await send(t.app, rule, missingValues(), bearer(await t.tokenFor('scoped', scope)));
          assert.ok(![401, 403].includes(res.status), `${scope} alone should be enough, got ${res.status}`);
        }
      }
      const others = everythingBut(needs(rule));
      const refused = await send(t.app, rule, missingValues(), bearer(await t.tokenFor('scoped', others)));
      assert.equal(refused.status, 403, `refused with: ${others}`);
      assert.match(String(refused.headers['www-authenticate']), /^Bearer .*error="insufficient_scope".*scope="system\/[^"]+"$/);

      const [enough, notEnough] = [t.keys[2 * i]!, t.keys[2 * i + 1]!];
      assert.ok(![401, 403].includes((await send(t.app, rule, missingValues(), { 'X-API-Key': enough })).status), 'API key with the scope');
      const keyRefused = await send(t.app, rule, missingValues(), { Authorization: `ApiKey ${notEnough}` });
      assert.equal(keyRefused.status, 403, 'API key without the scope');
      assert.match(String(keyRefused.headers['www-authenticate']), /^ApiKey .*error="insufficient_scope"/);
    });
  });
});
