/** The AuditStore contract on MongoDB (FerretDB under `npm test`); needs MONGODB_URL, never skips. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MongoClient } from 'mongodb';
import { AppError } from '../../storage/errors.js';
import { MongoAuditStore } from '../../storage/mongo/mongo-audit-store.js';
import { describeAuditStoreContract } from './audit-store.contract.js';

const url = process.env.MONGODB_URL;

test('MONGODB_URL is set', () => {
  assert.ok(url, 'MONGODB_URL is not set: run through `npm test`, which starts FerretDB');
});

describeAuditStoreContract('mongodb', async () => {
  const name = `contract_audit_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const store = await MongoAuditStore.connect(url!, name);
  return {
    store,
    async dispose() {
      await store.close();
      const client = await MongoClient.connect(url!);
      await client.db(name).dropDatabase();
      await client.close();
    },
  };
});

test('an unreachable server is AppError unavailable', async () => {
  await assert.rejects(
    MongoAuditStore.connect('mongodb://127.0.0.1:9/?directConnection=true', 'x', { serverSelectionTimeoutMS: 300 }),
    (err: unknown) => err instanceof AppError && err.kind === 'unavailable',
  );
});
