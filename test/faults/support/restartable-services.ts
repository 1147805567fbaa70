import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { cacheDir, ensureBucket, freePort, pingMongo, s3Client } from '../../infra/services.js';

/**
 * FerretDB and MinIO that a test can stop and start again on the same port
 * and data folder, to play an outage of a dependency (test/infra/services.ts
 * starts them once per run and deletes the data on stop). Same binaries and
 * arguments as services.ts.
 */
export interface Restartable {
  /** Kills the process (SIGKILL: an outage, not a maintenance stop). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  dispose(): Promise<void>;
}

export interface RestartableMongo extends Restartable {
  url: string;
}

export interface RestartableS3 extends Restartable {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

export async function restartableFerretDb(): Promise<RestartableMongo> {
  const dir = mkdtempSync(join(tmpdir(), 'dicomweb-outage-ferretdb-'));
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}/`;
  const proc = new Respawnable('ferretdb', binary('ferretdb'), [
    '--handler=sqlite', `--sqlite-url=file:${dir}/`, `--listen-addr=127.0.0.1:${port}`, `--state-dir=${dir}`,
    '--debug-addr=-', '--telemetry=disable', '--log-level=error',
  ], dir, {}, () => pingMongo(url));
  await proc.start();
  return { url, start: () => proc.start(), stop: () => proc.kill(), dispose: () => proc.dispose() };
}

export async function restartableMinio(bucket = 'outage'): Promise<RestartableS3> {
  const minio = join(cacheDir(), 'bin', 'minio');
  if (!existsSync(minio)) throw new Error(`${minio} missing: the outage test needs MinIO (run bash test/infra/tools.sh all)`);
  const dir = mkdtempSync(join(tmpdir(), 'dicomweb-outage-minio-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const cfg = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKey: 'minioadmin', secretKey: 'minioadmin-secret', bucket };
  const proc = new Respawnable('minio', minio, [
    'server', join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`,
    '--certs-dir', join(dir, 'certs'), '--quiet',
  ], dir, { MINIO_ROOT_USER: cfg.accessKey, MINIO_ROOT_PASSWORD: cfg.secretKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' }, async () => {
    const s3 = s3Client(cfg);
    try {
      await s3.send(new ListBucketsCommand({}));
    } finally {
      s3.destroy();
    }
  });
  await proc.start();
  await ensureBucket(cfg);
  return { ...cfg, start: () => proc.start(), stop: () => proc.kill(), dispose: () => proc.dispose() };
}

class Respawnable {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly cmd: string,
    private readonly args: string[],
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly probe: () => Promise<unknown>,
  ) {}

  async start(): Promise<void> {
    const fd = openSync(join(this.dir, `${this.name}.log`), 'a');
    const child = spawn(this.cmd, this.args, { cwd: this.dir, env: { ...process.env, ...this.env }, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    let last: unknown;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode} (log in ${this.dir})`);
      try {
        await this.probe();
        return;
      } catch (err) {
        last = err;
        await sleep(100);
      }
    }
    throw new Error(`${this.name} not ready after 60 s: ${(last as Error)?.message}`);
  }

  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function binary(name: string): string {
  const path = join(cacheDir(), 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} missing: run \`bash test/infra/tools.sh all\` first`);
  return path;
}
