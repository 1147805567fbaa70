import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MongoServerError } from 'mongodb';
import { AppError } from '../../../storage/errors.js';
import { mapMongoError } from '../../../storage/mongo/mongo-errors.js';

// The error documents are the ones the servers send (FerretDB 1.24's SQLite
// backend under write contention, seen in bench/load.ts; MongoDB's WriteConflict).
const busy = new MongoServerError({
  ok: 0, code: 1, codeName: 'InternalError',
  errmsg: '[msg_update.go:133 handler.(*Handler).updateDocument] [collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)',
});
const conflict = new MongoServerError({ ok: 0, code: 112, codeName: 'WriteConflict', errmsg: 'WriteConflict error' });
const labelled = new MongoServerError({ ok: 0, code: 251, codeName: 'NoSuchTransaction', errmsg: 'x', errorLabels: ['TransientTransactionError'] });

test('transient refusals (SQLITE_BUSY, WriteConflict, transient labels) are "unavailable", i.e. 503 + Retry-After', () => {
  for (const err of [busy, conflict, labelled]) {
    const mapped = mapMongoError(err);
    assert.ok(mapped instanceof AppError, `${err.message} maps to an AppError`);
    assert.equal(mapped.kind, 'unavailable', `${err.message} is unavailable`);
  }
});

test('other server errors pass through unchanged (a duplicate key is not an outage)', () => {
  const dup = new MongoServerError({ ok: 0, code: 11000, codeName: 'DuplicateKey', errmsg: 'E11000 duplicate key' });
  assert.equal(mapMongoError(dup), dup, 'duplicate key passes through');
});
