/**
 * The route table (server/auth/route-table.ts) is the single statement of
 * who may call what. These tests make it impossible to add a route without
 * an entry: they list the routes the Express app really registered and fail
 * on any route the table does not match to itself, on entries with no route,
 * and on patient-data routes without an audit action.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePattern, routeMatcher } from '../../server/auth/route-match.js';
import { ROUTES, type RouteRule } from '../../server/auth/route-table.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { registeredRoutes, type RegisteredRoute } from './helpers/express-routes.js';

/** Routes anyone may call without a credential. Adding one here is a decision, not an accident. */
const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'USE /viewer', 'GET /fhir/metadata', 'GET /fhir']);

let t: TestApp;
let routes: RegisteredRoute[];
before(async () => {
  t = await startTestApp();
  routes = registeredRoutes(t.app);
});
after(async () => t.close());

const match = routeMatcher(ROUTES);
const key = (method: string, path: string) => `${method} ${normalizePattern(path)}`;
/** A concrete path for a pattern: each parameter becomes a plausible segment. */
const sample = (pattern: string) => pattern.replace(/:\w+/g, 'p1').replace(/\*\w+/g, 'p1/p2');
const covering = (r: RegisteredRoute) => ROUTES.find((e) => e.method === 'USE' && (r.path + '/').toLowerCase().startsWith(e.path.toLowerCase() + '/'));

test('every route the app registers has its own route-table entry, and requests to it match that entry', () => {
  assert.ok(routes.length > 10, `found only ${routes.length} routes: is the route listing still working?`);
  const problems: string[] = [];
  for (const r of routes) {
    if (covering(r)) continue;
    if (r.method === 'USE' || r.method === 'ALL') {
      problems.push(`${r.method} ${r.path}: a mounted middleware or app.all() needs a USE entry in server/auth/route-table.ts`);
      continue;
    }
    const m = match(r.method, sample(r.path));
    if (!m) problems.push(`${r.method} ${r.path}: no entry in server/auth/route-table.ts`);
    else if (key(m.rule.method, m.rule.path) !== key(r.method, r.path)) {
      problems.push(`${r.method} ${r.path}: requests match the entry ${m.rule.method} ${m.rule.path} first; add an entry for this route above it`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every route-table entry has a route (no stale entries)', () => {
  const registered = new Set(routes.map((r) => key(r.method, r.path)));
  const stale = ROUTES.filter((e) => {
    if (e.method === 'USE') return !routes.some((r) => (r.path + '/').toLowerCase().startsWith(e.path.toLowerCase() + '/'));
    return !registered.has(key(e.method, e.path));
  });
  assert.deepEqual(stale.map((e) => `${e.method} ${e.path}`), []);
});

test('no entry is shadowed by an earlier one', () => {
  for (const e of ROUTES) {
    const m = match(e.method === 'USE' ? 'GET' : e.method, sample(e.path));
    assert.equal(m?.rule, e, `${e.method} ${e.path} is shadowed by ${m?.rule.method} ${m?.rule.path}`);
  }
});

test('public entries are exactly the reviewed ones; every other entry needs a permission', () => {
  const publicEntries = ROUTES.filter((e) => e.access === 'public').map((e) => `${e.method} ${e.path}`);
  for (const p of publicEntries) assert.ok(PUBLIC.has(p), `${p} is public but not in the reviewed list of this test`);
  for (const e of ROUTES.filter((r) => r.access !== 'public')) {
    assert.ok(typeof e.access === 'object' && e.access.anyOf.length > 0, `${e.method} ${e.path} has no requirement`);
  }
});

/** Protected routes that touch no patient data, so write no audit record. Reviewed like PUBLIC. */
const NOT_AUDITED = new Set(['GET /fhir/AuditEvent', 'GET /fhir/AuditEvent/:event', 'GET /admin/fhir-push']);

test('every route that touches patient data writes an audit record', () => {
  const unaudited = ROUTES.filter((e: RouteRule) => e.access !== 'public' && !e.audit && !NOT_AUDITED.has(`${e.method} ${e.path}`));
  assert.deepEqual(unaudited.map((e) => `${e.method} ${e.path}`), []);
});

test('matching mirrors Express: case-insensitive literals, trailing slash, HEAD as GET, decoded parameters', () => {
  assert.equal(match('GET', '/DICOMweb/Studies/')?.rule.path, '/dicomweb/studies');
  assert.equal(match('HEAD', '/dicomweb/studies')?.rule.path, '/dicomweb/studies');
  assert.equal(match('GET', '/dicomweb//studies'), undefined);
  assert.equal(match('PUT', '/dicomweb/studies'), undefined);
  assert.deepEqual(match('DELETE', '/dicomweb/studies/1.2%2E3')?.params, { study: '1.2.3' });
  assert.equal(match('GET', '/dicomweb/studies/%E0%A4%A'), undefined, 'an undecodable parameter matches nothing');
});
