import { open, type FileHandle } from 'node:fs/promises';

/**
 * Group commit for the embedded index and FHIR store. SQLite runs with synchronous=NORMAL
 * in WAL mode: a commit reaches the OS at once (safe against a process
 * crash) but is not fsynced. Before a write is acknowledged, `sync()` fsyncs
 * the WAL file off the event loop; concurrent callers share one fsync, so a
 * burst of commits pays for one flush instead of one each, and the server
 * never blocks in fsync inside a synchronous better-sqlite3 call.
 */
export class WalSync {
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private handle?: FileHandle;

  constructor(private readonly walPath: string) {}

  /** Resolves once every commit made before the call is on disk. */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.flush().finally(() => (this.running = undefined));
      return this.running;
    }
    // A flush already running may have started before our commit: queue one more.
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.sync();
    });
    return this.queued;
  }

  private async flush(): Promise<void> {
    try {
      this.handle ??= await open(this.walPath, 'r+');
      await this.handle.sync();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async close(): Promise<void> {
    await this.running;
    await this.handle?.close();
    this.handle = undefined;
  }
}
