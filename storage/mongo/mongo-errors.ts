import {
  MongoClientClosedError, MongoNetworkError, MongoNotConnectedError, MongoOperationTimeoutError, MongoServerClosedError,
  MongoServerError, MongoServerSelectionError, MongoTopologyClosedError,
} from 'mongodb';
import { AppError } from '../errors.js';

/** Server codes meaning "this node cannot serve now" (shutdown, stepped down, not primary). */
const UNAVAILABLE_CODES = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * Socket errors the driver sometimes passes on unwrapped, e.g. "This socket
 * has been ended by the other party" (EPIPE) when it writes to a connection
 * the server closed while going down.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_SOCKET_CLOSED']);

/**
 * Server answers meaning "busy, try again": MongoDB's WriteConflict (112) and
 * errors it labels transient or retryable, and FerretDB's SQLite backend
 * refusing a write while another holds the database lock (SQLITE_BUSY).
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof MongoServerError)) return false;
  return err.code === 112
    || err.hasErrorLabel('TransientTransactionError')
    || err.hasErrorLabel('RetryableWriteError')
    || /SQLITE_BUSY|database is locked/u.test(err.message);
}

/**
 * Connection trouble and transient refusals become AppError('unavailable')
 * (503 + Retry-After at the edge: the client may send the same request again,
 * STOW of the same bytes being idempotent); anything else is passed on unchanged.
 */
export function mapMongoError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const down =
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    err instanceof MongoNetworkError || // includes timeouts and cleared pools
    err instanceof MongoServerSelectionError ||
    err instanceof MongoOperationTimeoutError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoClientClosedError ||
    err instanceof MongoServerClosedError ||
    (err instanceof MongoServerError && typeof err.code === 'number' && UNAVAILABLE_CODES.has(err.code)) ||
    (err instanceof MongoServerError && isTransient(err));
  if (!down) return err;
  return new AppError('unavailable', `index store unavailable: ${(err as Error).message}`, 'index-unavailable', { cause: err });
}

/**
 * Runs one single-document write again after a transient refusal (see
 * isTransient: the write was not applied — SQLite rolled it back, MongoDB
 * aborted it), with a short growing delay; gives up after `attempts`.
 * FerretDB's SQLite backend refuses a write that would wait on another
 * writer's lock instead of waiting, so under concurrent STOWs this is the
 * difference between a stored instance and a 503.
 */
export async function retryTransient<T>(write: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (err) {
      if (i >= attempts || !isTransient(err)) throw err;
      await new Promise((r) => setTimeout(r, 10 * 2 ** i * (0.5 + Math.random())));
    }
  }
}
