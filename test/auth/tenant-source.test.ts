/**
 * The tenant of a request comes from its credential, through
 * server/auth/principal.ts tenantOf(), and from nowhere else. A static check
 * over the source, so a handler that starts reading a tenant header, a
 * query parameter or the configured default fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const SOURCE_DIRS = ['server', 'dicomweb', 'fhir', 'core', 'deid', 'api', 'storage', 'mappings', 'dicom'];

function sources(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const d of SOURCE_DIRS) {
    try {
      walk(join(ROOT, d));
    } catch {
      // a folder not created yet
    }
  }
  return out;
}

test('only the auth layer uses the configured default tenant (AUTH_MODE=none)', () => {
  const allowed = new Set([
    'server/config.ts', 'server/auth/security.ts', 'server/auth/access-control.ts',
    // Maintenance commands that walk every tenant ("all tenants" = the default one plus those
    // seen in the stores); the HTTP resync route passes the requester's tenant instead.
    'server/fhir-services.ts', 'core/fhir-sync/resync.ts', 'deid/reindex-command.ts',
  ]);
  const users = sources().filter((s) => /defaultTenant/.test(s.text) && !allowed.has(s.file)).map((s) => s.file);
  assert.deepEqual(users, []);
});

test('no code defines its own tenantOf', () => {
  const definers = sources()
    // A function literal, not a type annotation such as `tenantOf: (req: Request) => string`.
    .filter((s) => s.file !== 'server/auth/principal.ts'
      && /tenantOf\s*[:=]\s*(async\b|function\b|\w+\s*=>|\([^)]*\)\s*=>(?!\s*string\b))/.test(s.text))
    .map((s) => s.file);
  assert.deepEqual(definers, []);
});

test('no code reads a tenant from request headers, query or body', () => {
  const readers = sources()
    .filter((s) => /\b(req|request)\.(headers|query|body|params|get\()[^;\n]*tenant/i.test(s.text))
    .map((s) => s.file);
  assert.deepEqual(readers, []);
});
