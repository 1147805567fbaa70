/**
 * API keys for systems that cannot do OAuth: both header forms, tenant and
 * scope binding, refusals, hashes only at rest, and the admin CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { apiKeyId, hashApiKey, readApiKeyFile } from '../../server/auth/api-keys.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { bearer, startAuthApp, type AuthApp } from './helpers/auth-app.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const past = new Date(Date.now() - 86_400_000).toISOString();

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/auth/create-api-key.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env },
  });
}

describe('API keys', () => {
  let t: AuthApp;
  let pacs: string;
  before(async () => {
    t = await startAuthApp('embedded+fs', {
      apiKeys: [
        { tenant: 'hospital-a', scopes: ['system/dicomweb.crs'] },
        { tenant: 'hospital-a', scopes: ['system/dicomweb.rs'], expiresAt: past },
        { tenant: 'hospital-a', scopes: ['system/dicomweb.rs'], disabled: true },
      ],
    });
    pacs = t.keys[0]!;
  });
  after(async () => t.close());

  test('either header form works, bound to the key\'s tenant', async () => {
    const instance = syntheticInstance({ attrs: { PatientName: 'Keyholder^Kim' } });
    const stored = await request(t.app).post('/dicomweb/studies').set('Authorization', `ApiKey ${pacs}`).set('Content-Type', STOW_TYPE).send(multipartBody([instance]));
    assert.equal(stored.status, 200);
    const viaHeader = await request(t.app).get('/dicomweb/studies').set('X-API-Key', pacs);
    assert.equal(viaHeader.body.length, 1);
    const sameTenant = await request(t.app).get('/dicomweb/studies').set(bearer(await t.tokenFor('hospital-a')));
    assert.equal(sameTenant.body.length, 1, 'a token of the same tenant sees what the key stored');
    const otherTenant = await request(t.app).get('/dicomweb/studies').set(bearer(await t.tokenFor('hospital-b')));
    assert.deepEqual(otherTenant.body, []);
  });

  test('unknown, tampered, expired and revoked keys are 401 with an ApiKey challenge', async () => {
    const cases: Array<[string, RegExp]> = [
      [`dwk_${'0'.repeat(16)}_${'A'.repeat(43)}`, /unknown API key/],
      [`${pacs.slice(0, -4)}AAAA`, /unknown API key/],
      ['not-a-key', /unknown API key/],
      [t.keys[1]!, /expired/],
      [t.keys[2]!, /revoked/],
    ];
    for (const [key, why] of cases) {
      const res = await request(t.app).get('/dicomweb/studies').set('X-API-Key', key);
      assert.equal(res.status, 401);
      assert.match(res.headers['www-authenticate'], /^ApiKey realm="dicomweb", error="invalid_token", error_description="[^"]+"$/);
      assert.match(res.headers['www-authenticate'], why);
    }
    const both = await request(t.app).get('/dicomweb/studies').set('X-API-Key', pacs).set(bearer(await t.tokenFor('hospital-a')));
    assert.equal(both.status, 401, 'two credentials at once are refused');
  });

  test('at rest there are only hashes: not in the keys file, the index or the audit records', async () => {
    const file = await readFile(t.keysFile, 'utf8');
    for (const key of t.keys) {
      assert.ok(!file.includes(key), 'raw key in the keys file');
      assert.ok(!file.includes(key.slice(-43)), 'key secret in the keys file');
      assert.ok(file.includes(hashApiKey(key)));
    }
    await t.container.audit.flush();
    const records = (await t.container.audit.store.query({ tenant: 'hospital-a', limit: 100, offset: 0 })).records;
    assert.ok(records.some((r) => r.agent.kind === 'api-key' && r.agent.id === apiKeyId(pacs)), 'audit names the key by its id');
    const dataDir = t.container.config.dataDir;
    for (const name of await readdir(dataDir, { recursive: true })) {
      const bytes = await readFile(join(dataDir, name)).catch(() => undefined);
      if (!bytes) continue; // a directory
      assert.ok(!bytes.includes(pacs.slice(-43)), `the key secret is in ${name}`);
    }
  });

  test('the CLI prints a new key once, stores its hash, and the running server accepts it', async () => {
    const made = cli(['--tenant', 'hospital-c', '--scopes', 'system/dicomweb.rs', '--name', 'modality-7', '--file', t.keysFile]);
    assert.equal(made.status, 0, made.stderr);
    const key = made.stdout.trim();
    assert.match(key, /^dwk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.match(made.stderr, /shown only this once/);
    const entry = readApiKeyFile(t.keysFile).find((e) => e.id === apiKeyId(key))!;
    assert.deepEqual({ ...entry, hash: undefined }, { id: apiKeyId(key), hash: undefined, tenant: 'hospital-c', scopes: ['system/dicomweb.rs'], name: 'modality-7' });
    assert.ok(!(await readFile(t.keysFile, 'utf8')).includes(key));
    await new Promise((r) => setTimeout(r, 1100)); // the server re-reads a changed file at most once a second
    assert.equal((await request(t.app).get('/dicomweb/studies').set('X-API-Key', key)).status, 200);

    const printed = cli(['--tenant', 'hospital-c', '--scopes', 'system/dicomweb.s', '--print-entry']);
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stderr, /"hash": "sha256:[0-9a-f]{64}"/);
    assert.ok(!printed.stderr.includes(printed.stdout.trim()), 'the entry holds no raw key');
  });

  test('the CLI refuses bad tenants and scopes that grant nothing', () => {
    assert.equal(cli(['--tenant', '../x', '--scopes', 'system/dicomweb.r', '--print-entry']).status, 2);
    const useless = cli(['--tenant', 'ok', '--scopes', 'patient/*.rs', '--print-entry']);
    assert.equal(useless.status, 2);
    assert.match(useless.stderr, /grant nothing/);
  });

  test('a revoked key stops working once the file changes, without a restart', async () => {
    const entries = readApiKeyFile(t.keysFile).map((e) => (e.id === apiKeyId(pacs) ? { ...e, disabled: true } : e));
    await writeFile(t.keysFile, JSON.stringify({ keys: entries }));
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await request(t.app).get('/dicomweb/studies').set('X-API-Key', pacs)).status, 401);
  });
});
