import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeLoopbackPort } from '../../helpers/server-process.js';

/**
 * The server as a child process for the fault tests (like
 * test/helpers/server-process.ts), with what they need beyond it: a
 * readiness wait that tolerates a busy machine and kills the child when it
 * gives up (no orphan server), kill -9, and the exit as a promise.
 */
export interface ChildServer {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
  rssBytes(): number;
  /** SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown. */
  stop(): Promise<void>;
}

export async function startChildServer(env: Record<string, string>, readyTimeoutMs = 90_000): Promise<ChildServer> {
  const port = await freeLoopbackPort();
  const root = new URL('../../../', import.meta.url).pathname;
  const inherited = { ...process.env };
  for (const name of ['MONGODB_URL', 'MONGODB_DB', 'S3_BUCKET', 'S3_PREFIX', 'S3_ENDPOINT']) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const signal = async (sig: NodeJS.Signals) => {
    if (!gone()) child.kill(sig);
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gone()) throw new Error(`server exited with ${child.exitCode ?? child.signalCode} before it was ready`);
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await signal('SIGKILL');
      throw new Error(`server not ready within ${readyTimeoutMs} ms`);
    }
    await sleep(100);
  }
  return {
    url,
    child,
    exited,
    rssBytes: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
