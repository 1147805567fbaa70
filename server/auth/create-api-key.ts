/**
 * Admin CLI: creates an API key, adds its hash to the API key file, and
 * prints the key once on stdout (it is stored nowhere, so it cannot be shown
 * again; a lost key is replaced, not recovered).
 *
 *   npx tsx server/auth/create-api-key.ts --tenant hospital-a \
 *     --scopes "system/dicomweb.crs" [--name pacs-1] [--expires 2027-01-01] \
 *     [--file keys.json | (API_KEYS_FILE)] [--print-entry]
 *
 * --print-entry writes nothing and prints the file entry on stderr instead,
 * for keys files kept in configuration management. The running server picks
 * up a changed file within a second.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { addApiKeyToFile, generateApiKey, hashApiKey, type ApiKeyEntry } from './api-keys.js';
import { TENANT_PATTERN } from './principal.js';
import { parseScopes } from './scopes.js';

function main(): void {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
      file: { type: 'string' },
      'print-entry': { type: 'boolean', default: false },
    },
  });
  const tenant = values.tenant ?? fail('--tenant is required');
  if (!TENANT_PATTERN.test(tenant)) fail(`--tenant "${tenant}" is not a valid tenant name (${TENANT_PATTERN.source})`);
  const scopes = (values.scopes ?? fail('--scopes is required, e.g. "system/dicomweb.crs"')).split(/[\s,]+/).filter(Boolean);
  const useless = scopes.filter((s) => parseScopes([s]).length === 0);
  if (useless.length) fail(`these scopes grant nothing on this server: ${useless.join(' ')} (see server/auth/scopes.ts)`);
  if (values.expires !== undefined && Number.isNaN(Date.parse(values.expires))) fail(`--expires "${values.expires}" is not a date`);

  const { id, key } = generateApiKey();
  const entry: ApiKeyEntry = {
    id, hash: hashApiKey(key), tenant, scopes,
    ...(values.name ? { name: values.name } : {}),
    ...(values.expires ? { expiresAt: new Date(values.expires).toISOString() } : {}),
  };
  if (values['print-entry']) {
    process.stderr.write(`Add this entry to the "keys" array of the API key file:\n${JSON.stringify(entry, null, 2)}\n`);
  } else {
    const file = values.file ?? loadConfig().auth.apiKeysFile ?? fail('--file or API_KEYS_FILE is required (or use --print-entry)');
    addApiKeyToFile(file, entry);
    process.stderr.write(`API key ${id} for tenant ${tenant} (${scopes.join(' ')}) added to ${file}.\n`);
  }
  process.stderr.write('The key follows on stdout. It is shown only this once and is not stored anywhere.\n');
  process.stdout.write(`${key}\n`);
}

function fail(message: string): never {
  process.stderr.write(`create-api-key: ${message}\n`);
  process.exit(2);
}

main();
