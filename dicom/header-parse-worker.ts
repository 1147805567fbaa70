/**
 * Worker side of header-parse-pool.ts: parses headers with parse-header.ts
 * off the main thread. Errors go back as plain data (kind, message, limit)
 * so the pool can rebuild the same error classes.
 */
import { parentPort } from 'node:worker_threads';
import { DatasetLimitError } from './dataset-limits.js';
import { NotDicomError, parseHeader } from './parse-header.js';
import type { ParseTask, ParseReply } from './header-parse-pool.js';

parentPort!.on('message', (task: ParseTask) => {
  let reply: ParseReply;
  try {
    reply = { id: task.id, header: parseHeader(new Uint8Array(task.bytes), task.complete, task.limits) ?? null };
  } catch (err) {
    const e = err as Error & { code?: string };
    const kind = err instanceof DatasetLimitError ? 'limit' : err instanceof NotDicomError ? 'not-dicom' : err instanceof RangeError ? 'range' : 'error';
    reply = {
      id: task.id,
      error: { kind, message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined, limit: err instanceof DatasetLimitError ? err.limit : undefined },
    };
  }
  try {
    parentPort!.postMessage(reply);
  } catch {
    // A value that cannot cross threads: the caller parses on its own thread instead.
    parentPort!.postMessage({ id: task.id, error: { kind: 'unavailable', message: 'header cannot be sent back from the parse worker' } } satisfies ParseReply);
  }
});
