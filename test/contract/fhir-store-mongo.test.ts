/**
 * The FhirStore contract on MongoDB (FerretDB under `npm test`). Needs
 * MONGODB_URL (set by test/infra/with-services.ts); without it these tests
 * fail, they never skip.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MongoClient } from 'mongodb';
import { AppError } from '../../storage/errors.js';
import { MongoFhirStore } from '../../storage/mongo/mongo-fhir-store.js';
import { describeFhirStoreContract, type OpenFhirStore } from './fhir-store.contract.js';
import { describeFhirStoreSyncContract } from './fhir-store-sync.contract.js';

const url = process.env.MONGODB_URL;
const MISSING = 'MONGODB_URL is not set: run through `npm test` (test/infra/with-services.ts starts FerretDB) or point it at a MongoDB/FerretDB server';

const open: OpenFhirStore = async (options = {}) => {
  if (!url) throw new Error(MISSING);
  const name = `contract_fhir_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const store = await MongoFhirStore.connect(url, name, options);
  return {
    store,
    async dispose() {
      await store.close();
      const client = await MongoClient.connect(url);
      try {
        await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
};

test('MONGODB_URL is set', () => {
  assert.ok(url, MISSING);
});

describeFhirStoreContract('mongodb', open);
describeFhirStoreSyncContract('mongodb', open);

test('MongoFhirStore maps an unreachable server to AppError unavailable', async () => {
  await assert.rejects(
    MongoFhirStore.connect('mongodb://127.0.0.1:9/?directConnection=true', 'x', { serverSelectionTimeoutMS: 300 }),
    (err: unknown) => err instanceof AppError && err.kind === 'unavailable',
  );
});
