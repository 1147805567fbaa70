// Child processes of the benchmark and the one place that stops them all,
// whether the run ends normally, throws, or gets Ctrl-C / SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type Stopper = () => Promise<void>;
const stoppers: Stopper[] = [];

/** Registers a cleanup step; steps run in reverse order (last started, first stopped). */
export function onCleanup(stop: Stopper): void {
  stoppers.push(stop);
}

/** Runs every registered cleanup step once; errors are printed, not thrown. */
export async function cleanupAll(): Promise<void> {
  while (stoppers.length) {
    const stop = stoppers.pop()!;
    try {
      await stop();
    } catch (err) {
      console.error(`cleanup: ${(err as Error).message}`);
    }
  }
}

let signalled = false;
/** True once Ctrl-C / SIGTERM arrived: errors from servers being stopped are expected then. */
export const interrupted = () => signalled;
/** Ctrl-C / SIGTERM: stop the children before exiting (a second signal exits at once). */
export function installSignalHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (signalled) process.exit(130);
      signalled = true;
      console.error(`\n${sig}: stopping child processes...`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/** A loopback port that was free a moment ago (the child binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A spawned server whose stdout+stderr go to a log file we can quote when it fails. */
export class ChildServer {
  readonly child: ChildProcess;
  exited: string | null = null;
  private readonly done: Promise<void>;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    readonly logFile: string,
    opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    const fd = openSync(logFile, 'a');
    this.child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.done = new Promise((resolve) => {
      this.child.on('exit', (code, sig) => {
        this.exited = `exited with ${sig ?? code}`;
        resolve();
      });
      this.child.on('error', (err) => {
        this.exited = `failed to start: ${err.message}`;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Why the process ended plus its log tail, or undefined while it runs. */
  deathNote(): string | undefined {
    return this.exited ? `${this.name} ${this.exited}\n--- ${this.name} log tail ---\n${this.logTail()}` : undefined;
  }

  /** Polls `probe` until it succeeds; fails fast (with the log tail) if the process dies. */
  async waitReady(probe: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline && !this.exited) {
      try {
        await probe();
        return;
      } catch (err) {
        last = err;
      }
      await sleep(200);
    }
    const why = this.exited ?? `not ready after ${timeoutMs} ms`;
    throw new Error(`${this.name} ${why}; last probe error: ${(last as Error)?.message ?? last}\n--- ${this.name} log tail ---\n${this.logTail()}`);
  }

  /** SIGTERM, then SIGKILL after a grace period. Only ever signals our own child's pid. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.done;
    clearTimeout(killer);
  }
}
