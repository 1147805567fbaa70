import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey, hashApiKey, type ApiKeyEntry } from '../../../server/auth/api-keys.js';
import { startTestApp, type Backend, type TestApp } from '../../helpers/test-app.js';
import { ALL_SCOPES, AUDIENCE, ISSUER, TestIssuer } from './issuer.js';

export interface KeySpec {
  tenant: string;
  scopes: string[];
  expiresAt?: string;
  disabled?: boolean;
}

export interface AuthApp extends TestApp {
  issuer: TestIssuer;
  /** Raw API keys in the order of `apiKeys` in the options. */
  keys: string[];
  keysFile: string;
  /** How many times the JWKS server was asked (jwks: 'url'). */
  jwksRequests(): number;
  /** A bearer token for a tenant (every scope unless given). */
  tokenFor(tenant: string, scope?: string, sub?: string): Promise<string>;
}

export interface AuthAppOptions {
  jwks?: 'file' | 'url';
  apiKeys?: KeySpec[];
  env?: Record<string, string>;
  issuer?: TestIssuer;
}

/**
 * The real app with AUTH_MODE=required: JWTs from a TestIssuer whose JWKS is
 * served on 127.0.0.1 or read from a file, and API keys from a keys file
 * holding only hashes.
 */
export async function startAuthApp(backend: Backend = 'embedded+fs', o: AuthAppOptions = {}): Promise<AuthApp> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-test-'));
  const issuer = o.issuer ?? (await TestIssuer.create());
  const env: Record<string, string> = { AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, ...o.env };
  let server: Awaited<ReturnType<TestIssuer['serve']>> | undefined;
  if (env.AUTH_JWKS_URL) {
    // the caller serves its own key set
  } else if ((o.jwks ?? 'file') === 'url') {
    server = await issuer.serve();
    env.AUTH_JWKS_URL = server.url;
  } else {
    env.AUTH_JWKS_FILE = join(dir, 'jwks.json');
    await issuer.writeJwks(env.AUTH_JWKS_FILE);
  }
  const keysFile = join(dir, 'api-keys.json');
  const keys = await writeKeysFile(keysFile, o.apiKeys ?? []);
  env.API_KEYS_FILE = keysFile;
  const t = await startTestApp(backend, env);
  return {
    ...t,
    issuer,
    keys,
    keysFile,
    jwksRequests: () => server?.requests() ?? 0,
    tokenFor: (tenant, scope = ALL_SCOPES, sub = `client-of-${tenant}`) => issuer.token({ tenant, scope, sub }),
    async close() {
      await t.close();
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a keys file of hashed entries; returns the raw keys. */
export async function writeKeysFile(file: string, specs: KeySpec[]): Promise<string[]> {
  const raw: string[] = [];
  const entries: ApiKeyEntry[] = specs.map((s) => {
    const { id, key } = generateApiKey();
    raw.push(key);
    return { id, hash: hashApiKey(key), ...s };
  });
  await writeFile(file, JSON.stringify({ keys: entries }));
  return raw;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
