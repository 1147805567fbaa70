/**
 * Auth mode at start: loopback may run without authentication (with a loud
 * warning); any other address refuses to start without it unless
 * ALLOW_INSECURE_NO_AUTH=true says so on purpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.js';
import { noAuthWarning } from '../../server/auth/security.js';
import { freeLoopbackPort } from '../helpers/server-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs server/main.ts until it exits or prints `until`; returns its exit code and output. */
async function runServer(env: Record<string, string>, until?: RegExp): Promise<{ code: number | null; output: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'startup-test-'));
  const inherited = { ...process.env };
  for (const name of ['MONGODB_URL', 'MONGODB_DB', 'S3_BUCKET', 'S3_PREFIX']) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT, env: { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'info', PORT: String(await freeLoopbackPort()), ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seen = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (until?.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await Promise.race([done, seen.then(() => 'seen' as const)]);
  if (code === 'seen') {
    child.kill('SIGTERM');
    await done;
  }
  clearTimeout(timer);
  await rm(dataDir, { recursive: true, force: true });
  return { code: code === 'seen' ? null : code, output };
}

test('HOST=0.0.0.0 without authentication exits non-zero with a clear message', async () => {
  const { code, output } = await runServer({ HOST: '0.0.0.0' });
  assert.notEqual(code, 0);
  assert.notEqual(code, null, 'the server started');
  assert.match(output, /refusing to start: HOST=0\.0\.0\.0 is not a loopback address and authentication is not configured/);
  assert.match(output, /ALLOW_INSECURE_NO_AUTH=true/);
  const explicit = await runServer({ HOST: '0.0.0.0', AUTH_MODE: 'none' });
  assert.notEqual(explicit.code, 0);
  assert.match(explicit.output, /refusing to start/);
});

test('on loopback without authentication the server starts and warns loudly', async () => {
  const { output } = await runServer({ HOST: '127.0.0.1' }, /"msg":"listening"/);
  assert.match(output, /AUTHENTICATION IS OFF \(AUTH_MODE=none\)/);
});

test('auth mode follows the configuration', () => {
  const jwt = { AUTH_ISSUER: 'https://idp', AUTH_AUDIENCE: 'aud', AUTH_JWKS_URL: 'https://idp/jwks' };
  assert.equal(loadConfig({}).auth.mode, 'none');
  assert.equal(loadConfig({ HOST: '::1' }).auth.mode, 'none');
  assert.equal(loadConfig(jwt).auth.mode, 'required', 'configured credentials turn authentication on, even on loopback');
  assert.equal(loadConfig({ ...jwt, HOST: '0.0.0.0' }).auth.mode, 'required');
  assert.equal(loadConfig({ API_KEYS_FILE: '/x/keys.json', HOST: '10.1.2.3' }).auth.mode, 'required');
  const insecure = loadConfig({ HOST: '0.0.0.0', ALLOW_INSECURE_NO_AUTH: 'true' });
  assert.equal(insecure.auth.mode, 'none');
  assert.match(noAuthWarning({ config: insecure })!, /ALLOW_INSECURE_NO_AUTH=true/);
  assert.equal(noAuthWarning({ config: loadConfig(jwt) }), undefined);
  assert.equal(loadConfig({ ...jwt }).auth.jwt?.tenantClaim, 'tenant');
  assert.equal(loadConfig({ ...jwt, AUTH_TENANT_CLAIM: 'https://example.org/tenant' }).auth.jwt?.tenantClaim, 'https://example.org/tenant');
});

test('incomplete or unsafe auth settings are refused at boot', () => {
  assert.throws(() => loadConfig({ AUTH_MODE: 'required' }), /AUTH_MODE=required needs/);
  assert.throws(() => loadConfig({ AUTH_ISSUER: 'https://idp' }), /set AUTH_AUDIENCE, exactly one of AUTH_JWKS_URL, AUTH_JWKS_FILE/);
  assert.throws(() => loadConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_URL: 'https://x/j', AUTH_JWKS_FILE: 'j.json' }), /exactly one/);
  assert.throws(() => loadConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_URL: 'http://idp.example.org/jwks' }), /must be https/);
  assert.throws(() => loadConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_FILE: 'j', AUTH_ALGORITHMS: 'RS256,HS256' }), /"HS256" is not allowed/);
  assert.throws(() => loadConfig({ AUTH_MODE: 'maybe' }), /AUTH_MODE must be one of none, required/);
  assert.throws(() => loadConfig({ ALLOW_INSECURE_NO_AUTH: 'yes' }), /ALLOW_INSECURE_NO_AUTH must be true or false/);
  assert.doesNotThrow(() => loadConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks' }));
});
