// Starts the Java tools of test/hapi (built and cached by `bash test/infra/tools.sh hapi`)
// as long-lived child processes. Shared by validator.ts and server.ts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let toolsDir: Promise<string> | undefined;

/**
 * The cache folder holding validator.args / server.args (java @argfiles). Asks
 * tools.sh, which hashes test/hapi the same way it did when building (and builds
 * now if it never did: minutes, not seconds).
 */
export function hapiToolsDir(): Promise<string> {
  toolsDir ??= promisify(execFile)('bash', [join(REPO, 'test/infra/tools.sh'), 'hapi-dir'], {
    cwd: REPO,
    maxBuffer: 1 << 20,
  }).then(
    ({ stdout }) => stdout.trim().split('\n').pop()!,
    (err) => {
      toolsDir = undefined;
      throw new Error(`bash test/infra/tools.sh hapi-dir failed: ${(err as { stderr?: string }).stderr || err}`);
    },
  );
  return toolsDir;
}

// A test file that dies without calling stop() must not leave JVMs behind.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class JavaTool {
  private exited: string | null = null;
  private readonly done: Promise<void>;
  readonly child: ChildProcess;
  /** The port from the tool's "LISTENING <port>" line. */
  readonly listening: Promise<number>;

  /** Runs `java @<tools>/<tool>.args ...args`; stdout and stderr are appended to logFile. */
  constructor(readonly name: string, argsFile: string, args: string[], readonly logFile: string, cwd: string) {
    const fd = openSync(logFile, 'a');
    writeSync(fd, `--- ${new Date().toISOString()} java @${argsFile} ${args.join(' ')}\n`);
    this.child = spawn('java', [`@${argsFile}`, ...args], { cwd, stdio: ['ignore', 'pipe', fd] });
    closeSync(fd);
    live.add(this.child);
    this.done = new Promise((resolve) => {
      this.child.on('exit', (code, sig) => {
        this.exited = `exited with ${sig ?? code}`;
        live.delete(this.child);
        resolve();
      });
      this.child.on('error', (err) => {
        this.exited = `failed to start: ${err.message}`;
        live.delete(this.child);
        resolve();
      });
    });
    this.listening = new Promise((resolve, reject) => {
      let buf = '';
      this.child.stdout!.setEncoding('utf8');
      this.child.stdout!.on('data', (chunk: string) => {
        buf += chunk;
        const m = /^LISTENING (\d+)$/m.exec(buf);
        if (m) resolve(Number(m[1]));
      });
      void this.done.then(() => reject(new Error(`${name} ${this.exited} before listening`)));
    });
    this.listening.catch(() => {}); // observed through ready()
  }

  get isRunning(): boolean {
    return !this.exited && this.child.exitCode === null;
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Waits for the LISTENING line, then for `probe` to succeed; stops the JVM and throws on failure. */
  async ready(probe: (port: number) => Promise<unknown>, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    try {
      const port = await Promise.race([
        this.listening,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`not listening after ${timeoutMs} ms`)), timeoutMs).unref(),
        ),
      ]);
      while (Date.now() < deadline && this.isRunning) {
        try {
          await probe(port);
          return port;
        } catch (err) {
          last = err;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(this.exited ?? `not ready after ${timeoutMs} ms`);
    } catch (err) {
      const tail = this.logTail();
      await this.stop();
      const why = (err as Error).message + (last ? `; last probe error: ${(last as Error).message ?? last}` : '');
      throw new Error(`${this.name}: ${why}\n--- ${this.logFile} (tail) ---\n${tail}`);
    }
  }

  /** SIGTERM (the tools shut down cleanly on it), SIGKILL after graceMs (at once for 0). */
  async stop(graceMs = 60_000): Promise<void> {
    if (this.isRunning) {
      this.child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.done;
      clearTimeout(killer);
    }
  }
}
