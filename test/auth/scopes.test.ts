import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allows, parseScopes, scopesOfClaims } from '../../server/auth/scopes.js';

const can = (scopes: string, resource: string, action: 'c' | 'r' | 'u' | 'd' | 's') => allows(parseScopes(scopes.split(' ')), [{ resource, action }]);

test('SMART v2 permissions: any of cruds, in order', () => {
  assert.ok(can('system/ImagingStudy.rs', 'ImagingStudy', 'r'));
  assert.ok(can('system/ImagingStudy.rs', 'ImagingStudy', 's'));
  assert.ok(!can('system/ImagingStudy.rs', 'ImagingStudy', 'c'));
  assert.ok(can('user/Observation.cruds', 'Observation', 'd'));
  assert.equal(parseScopes(['system/ImagingStudy.sr']).length, 0, 'out of order: not a v2 scope');
  assert.equal(parseScopes(['system/ImagingStudy.rr']).length, 0, 'repeated letter');
  assert.equal(parseScopes(['system/ImagingStudy.x']).length, 0);
});

test('SMART v1 forms read, write and * are understood', () => {
  assert.ok(can('system/ImagingStudy.read', 'ImagingStudy', 's'));
  assert.ok(!can('system/ImagingStudy.read', 'ImagingStudy', 'c'));
  assert.ok(can('system/dicomweb.write', 'dicomweb', 'c'));
  assert.ok(can('system/dicomweb.write', 'dicomweb', 'd'));
  assert.ok(!can('system/dicomweb.write', 'dicomweb', 'r'));
  assert.ok(can('user/*.*', 'Patient', 'r'));
});

test('the wildcard covers every resource but the admin ones', () => {
  assert.ok(can('system/*.cruds', 'dicomweb', 'c'));
  assert.ok(can('system/*.rs', 'Patient', 's'));
  assert.ok(!can('system/*.cruds', 'AuditEvent', 's'));
  assert.ok(!can('system/*.cruds', 'fhirpush', 'c'));
  assert.ok(can('system/AuditEvent.rs', 'AuditEvent', 's'));
});

test('patient/ scopes, constrained scopes and other strings grant nothing', () => {
  assert.deepEqual(parseScopes(['patient/*.cruds', 'patient/ImagingStudy.rs']), []);
  assert.deepEqual(parseScopes(['system/Observation.rs?category=laboratory']), []);
  assert.deepEqual(parseScopes(['openid', 'profile', 'launch/patient', 'offline_access', '']), []);
});

test('scopes come from a space-separated scope claim or an scp array', () => {
  assert.deepEqual(scopesOfClaims({ scope: 'a  b' }), ['a', 'b']);
  assert.deepEqual(scopesOfClaims({ scp: ['a', 7, 'b'] }), ['a', 'b']);
  assert.deepEqual(scopesOfClaims({}), []);
});
