// Smoke test for the servers test/infra/with-services.ts provides: proves the
// MongoDB wire protocol (FerretDB) and S3 (MinIO) really work for what the
// storage adapters need, before their own tests run into a confusing failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run through \`npm test\` (test/infra/with-services.ts)`);
  return value;
}

describe('MongoDB (MONGODB_URL)', () => {
  let client: MongoClient;
  let db: Db;

  before(async () => {
    client = new MongoClient(env('MONGODB_URL'), { serverSelectionTimeoutMS: 5_000 });
    await client.connect();
    db = client.db(`smoke_${randomUUID().slice(0, 8)}`); // own db: servers are shared by all test files
  });

  after(async () => {
    await db?.dropDatabase().catch(() => {});
    await client?.close();
  });

  test('inserts and reads back a document', async () => {
    const coll = db.collection<{ uid: string; tags: string[]; n: number }>('studies');
    const { insertedId } = await coll.insertOne({ uid: '1.2.3.4', tags: ['CT', 'HEAD'], n: 42 });
    const found = await coll.findOne({ uid: '1.2.3.4' });
    assert.ok(found);
    assert.deepEqual(found._id, insertedId);
    assert.deepEqual(found.tags, ['CT', 'HEAD']);
    assert.equal(found.n, 42);
  });

  test('a unique index rejects a duplicate with E11000', async () => {
    const coll = db.collection<{ uid: string }>('instances');
    await coll.createIndex({ uid: 1 }, { unique: true });
    await coll.insertOne({ uid: '1.2.3.5' });
    await assert.rejects(coll.insertOne({ uid: '1.2.3.5' }), (err: unknown) => {
      assert.ok(err instanceof MongoServerError, `expected MongoServerError, got ${err}`);
      assert.equal(err.code, 11000);
      return true;
    });
    assert.equal(await coll.countDocuments({ uid: '1.2.3.5' }), 1);
  });
});

describe('S3 (S3_ENDPOINT, S3_BUCKET)', () => {
  let s3: S3Client;
  const bucket = () => env('S3_BUCKET');
  const key = `smoke/${randomUUID()}.bin`;

  before(() => {
    s3 = new S3Client({
      endpoint: env('S3_ENDPOINT'),
      region: process.env.S3_REGION ?? 'us-east-1',
      forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true',
      // credentials: from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as the adapters will
    });
  });

  after(async () => {
    await s3?.send(new DeleteObjectCommand({ Bucket: bucket(), Key: key })).catch(() => {});
    s3?.destroy();
  });

  test('puts and gets back an object byte for byte', async () => {
    const body = Buffer.from([0x44, 0x49, 0x43, 0x4d, 0x00, 0xff, ...Buffer.from(randomUUID())]);
    await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body, ContentType: 'application/dicom' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
    assert.equal(got.ContentType, 'application/dicom');
    assert.ok(got.Body);
    assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), body);
  });

  test('a missing key answers NoSuchKey', async () => {
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: bucket(), Key: `${key}.missing` })),
      (err: Error) => err.name === 'NoSuchKey',
    );
  });
});
