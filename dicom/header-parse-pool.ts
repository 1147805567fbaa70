/**
 * Runs parse-header.ts on worker threads, so that parsing the headers of
 * instances being stored uses the machine's other cores while the main
 * thread moves bytes, hashes them and writes the index. Same results and
 * errors as calling parseHeader directly; when no worker can run (a worker
 * failed to start or died) the caller is told to parse on its own thread
 * (ParsePoolUnavailable), so nothing depends on the pool being there.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DatasetLimitError, type DatasetLimits, type NamedLimit } from './dataset-limits.js';
import { NotDicomError, type ParsedHeader } from './parse-header.js';

export interface ParseTask {
  id: number;
  bytes: ArrayBuffer;
  complete: boolean;
  limits: DatasetLimits;
}

export type ParseReply =
  | { id: number; header: ParsedHeader | null; error?: undefined }
  | { id: number; header?: undefined; error: { kind: 'limit' | 'not-dicom' | 'range' | 'error' | 'unavailable'; message: string; code?: string; limit?: NamedLimit } };

export class ParsePoolUnavailable extends Error {}

interface Pending {
  resolve: (h: ParsedHeader | undefined) => void;
  reject: (err: Error) => void;
}

class Slot {
  readonly pending = new Map<number, Pending>();
  constructor(readonly worker: Worker) {}
}

const EXT = extname(fileURLToPath(import.meta.url));
const WORKER_URL = new URL(`./header-parse-worker${EXT}`, import.meta.url);

/** Run from TypeScript sources (tsx), a worker registers tsx itself before loading its module. */
function spawnWorker(): Worker {
  if (EXT !== '.ts') return new Worker(WORKER_URL);
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true });
}

export class HeaderParsePool {
  private slots: Slot[] = [];
  private nextId = 1;
  private turn = 0;
  private broken = false;

  constructor(private readonly size: number) {}

  get available(): boolean {
    return !this.broken && this.size > 0;
  }

  /** Parses `bytes` (given away: the caller must not use them afterwards). */
  parse(bytes: Uint8Array, complete: boolean, limits: DatasetLimits): Promise<ParsedHeader | undefined> {
    if (!this.available) return Promise.reject(new ParsePoolUnavailable('no parse worker'));
    const slot = this.slot();
    const id = this.nextId++;
    // Transfer when the bytes own their whole buffer; copy otherwise (a view into a larger pooled buffer).
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const ab = own ? (bytes.buffer as ArrayBuffer) : (Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer); // (Buffer#slice is a view)
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      if (slot.pending.size === 1) slot.worker.ref(); // keeps the process alive only while it has work
      try {
        slot.worker.postMessage({ id, bytes: ab, complete, limits } satisfies ParseTask, [ab]);
      } catch (err) {
        slot.pending.delete(id);
        if (slot.pending.size === 0) slot.worker.unref();
        reject(new ParsePoolUnavailable(`parse worker unavailable: ${(err as Error).message}`));
      }
    });
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    this.broken = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private slot(): Slot {
    while (this.slots.length < this.size) this.slots.push(this.start());
    // Fewest tasks waiting, ties in turn.
    this.turn = (this.turn + 1) % this.slots.length;
    let best = this.slots[this.turn];
    for (const s of this.slots) if (s.pending.size < best.pending.size) best = s;
    return best;
  }

  private start(): Slot {
    const worker = spawnWorker();
    const slot = new Slot(worker);
    worker.on('message', (reply: ParseReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (!reply.error) p.resolve(reply.header ?? undefined);
      else p.reject(rebuild(reply.error));
    });
    const fail = (why: string) => {
      // A worker that cannot start or dies takes the pool down: callers parse on their own thread.
      this.broken = true;
      this.slots = this.slots.filter((s) => s !== slot);
      for (const p of slot.pending.values()) p.reject(new ParsePoolUnavailable(why));
      slot.pending.clear();
    };
    worker.on('error', (err) => fail(`parse worker failed: ${err.message}`));
    worker.on('exit', (code) => fail(`parse worker exited with code ${code}`));
    worker.unref(); // idle: never keeps a process alive (after the listeners, which would ref it again)
    return slot;
  }
}

function rebuild(e: NonNullable<ParseReply['error']>): Error {
  switch (e.kind) {
    case 'limit': {
      // Same message as thrown in the worker (DatasetLimitError builds it from the limit).
      const err = new DatasetLimitError(e.limit!, '');
      err.message = e.message;
      return err;
    }
    case 'not-dicom':
      return new NotDicomError(e.message);
    case 'range':
      return new RangeError(e.message);
    case 'unavailable':
      return new ParsePoolUnavailable(e.message);
    default: {
      const err = new Error(e.message) as NodeJS.ErrnoException;
      if (e.code) err.code = e.code;
      return err;
    }
  }
}

/**
 * One pool per process, of `size` workers (server/config.ts: HEADER_PARSE_WORKERS).
 * Measured on a 2-core machine, a worker saves the main thread ~0.6 ms per CT
 * but costs ~3 ms of CPU elsewhere (its own JIT of dcmjs, copies, cloning), so
 * it pays only where spare cores exist.
 */
let shared: HeaderParsePool | undefined;
export function sharedParsePool(size: number): HeaderParsePool {
  return (shared ??= new HeaderParsePool(size));
}
