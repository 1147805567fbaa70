import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MongoServerError } from 'mongodb';
import { AppError } from '../../../storage/errors.js';
import { mapMongoError, retryTransient } from '../../../storage/mongo/mongo-errors.js';

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

test('retryTransient runs a refused write again, and gives up on other errors at once', async () => {
  let calls = 0;
  const value = await retryTransient(async () => {
    calls++;
    if (calls < 3) throw busy;
    return 'written';
  });
  assert.equal(value, 'written', 'the third attempt succeeds');
  assert.equal(calls, 3, 'two refusals, then success');
  let other = 0;
  const dup = new MongoServerError({ ok: 0, code: 11000, codeName: 'DuplicateKey', errmsg: 'E11000 duplicate key' });
  await assert.rejects(retryTransient(async () => { other++; throw dup; }), (e) => e === dup, 'a duplicate key is thrown as is');
  assert.equal(other, 1, 'not retried');
  let always = 0;
  await assert.rejects(retryTransient(async () => { always++; throw busy; }, 3), (e) => e === busy, 'gives up with the last refusal');
  assert.equal(always, 3, 'three attempts');
});
