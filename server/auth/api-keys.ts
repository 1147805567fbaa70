import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { AuthError } from './auth-errors.js';
import { TENANT_PATTERN, type Principal } from './principal.js';
import { parseScopes } from './scopes.js';

/**
 * API keys, for systems that cannot do OAuth (most PACS). A key looks like
 * `dwk_<id>_<secret>`: the id (16 hex digits) finds the entry, the secret
 * (32 random bytes, base64url) proves possession. Only SHA-256 of the whole
 * key is kept at rest. A fast hash is enough here, unlike for passwords:
 * the secret has 256 random bits, so there is no dictionary to try.
 *
 * Entries live in API_KEYS_FILE: {"keys":[{"id","hash","tenant","scopes",
 * "name"?, "expiresAt"?, "disabled"?}]}, written by create-api-key.ts and
 * re-read when the file changes, so adding or revoking needs no restart.
 */
export interface ApiKeyEntry {
  id: string;
  /** "sha256:" + hex digest of the whole key. */
  hash: string;
  tenant: string;
  scopes: string[];
  name?: string;
  expiresAt?: string;
  disabled?: boolean;
}

const KEY = /^dwk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): { id: string; key: string } {
  const id = randomBytes(8).toString('hex');
  return { id, key: `dwk_${id}_${randomBytes(32).toString('base64url')}` };
}

export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export function apiKeyId(key: string): string | undefined {
  return KEY.exec(key)?.[1];
}

export class ApiKeyRegistry {
  private entries = new Map<string, ApiKeyEntry>();
  private mtimeMs = -1;
  private checkedAt = 0;

  /** Reads the file now; a missing or invalid file is a startup error. */
  constructor(private readonly file: string, private readonly now: () => number = Date.now) {
    this.reload(true);
  }

  verify(key: string): Principal {
    this.reloadIfChanged();
    const id = apiKeyId(key);
    const entry = id ? this.entries.get(id) : undefined;
    if (!entry || !sameHash(entry.hash, hashApiKey(key))) throw new AuthError('invalid-token', 'unknown API key', 'ApiKey');
    if (entry.disabled) throw new AuthError('invalid-token', 'the API key has been revoked', 'ApiKey');
    if (entry.expiresAt && Date.parse(entry.expiresAt) <= this.now()) throw new AuthError('invalid-token', 'the API key has expired', 'ApiKey');
    return { kind: 'api-key', id: entry.id, tenant: entry.tenant, grants: parseScopes(entry.scopes) };
  }

  /** At most once a second, cheap enough to do on the request path. */
  private reloadIfChanged(): void {
    if (this.now() - this.checkedAt < 1000) return;
    try {
      this.reload(false);
    } catch {
      // A half-written or broken file keeps the keys last read, rather than locking every client out.
    }
  }

  private reload(force: boolean): void {
    this.checkedAt = this.now();
    const mtimeMs = statSync(this.file).mtimeMs;
    if (!force && mtimeMs === this.mtimeMs) return;
    this.entries = new Map(readApiKeyFile(this.file).map((e) => [e.id, e]));
    this.mtimeMs = mtimeMs;
  }
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readApiKeyFile(file: string): ApiKeyEntry[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown };
  if (!Array.isArray(data?.keys)) throw new Error(`API_KEYS_FILE ${file}: expected {"keys": [...]}`);
  return data.keys.map((e, i) => validEntry(e, `${file} keys[${i}]`));
}

function validEntry(e: any, where: string): ApiKeyEntry {
  if (typeof e?.id !== 'string' || !/^[0-9a-f]{16}$/.test(e.id)) throw new Error(`${where}: "id" must be 16 hex digits`);
  if (typeof e.hash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(e.hash)) throw new Error(`${where}: "hash" must be sha256:<64 hex digits>`);
  if (typeof e.tenant !== 'string' || !TENANT_PATTERN.test(e.tenant)) throw new Error(`${where}: "tenant" is missing or not a valid tenant name`);
  if (!Array.isArray(e.scopes) || e.scopes.some((s: unknown) => typeof s !== 'string')) throw new Error(`${where}: "scopes" must be an array of strings`);
  if (e.expiresAt !== undefined && Number.isNaN(Date.parse(e.expiresAt))) throw new Error(`${where}: "expiresAt" is not a date`);
  return e as ApiKeyEntry;
}

/** Adds an entry, replacing the file in one rename so the server never reads half of it. */
export function addApiKeyToFile(file: string, entry: ApiKeyEntry): void {
  let keys: ApiKeyEntry[] = [];
  try {
    keys = readApiKeyFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ keys: [...keys, entry] }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
