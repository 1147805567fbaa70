// Starts and stops the real servers the tests talk to (FerretDB for MongoDB,
// MinIO — or moto when MinIO could not be built — for S3), each on a free
// loopback port with its data in a fresh temp dir that is removed on stop().
// The binaries come from the cache filled by test/infra/tools.sh.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { CreateBucketCommand, ListBucketsCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface MongoService {
  url: string;
  stop(): Promise<void>;
}

export interface S3Service {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  stop(): Promise<void>;
}

/** Same formula as tools.sh, so both agree on where binaries live. */
export function cacheDir(): string {
  return (
    process.env.DICOMWEB_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dicomweb-fhir-server')
  );
}

/** A port that was free a moment ago (the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A spawned server whose stdout+stderr go to a log file we can quote on failure. */
class Proc {
  readonly child: ChildProcess;
  exited: string | null = null;
  private readonly done: Promise<void>;

  constructor(readonly name: string, cmd: string, args: string[], readonly dir: string, env: NodeJS.ProcessEnv = {}) {
    const logFile = join(dir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    this.child = spawn(cmd, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
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

  logTail(lines = 30): string {
    try {
      return readFileSync(join(this.dir, `${this.name}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Polls `probe` until it succeeds; fails fast if the process dies. */
  async waitReady(probe: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (this.exited) break;
      try {
        await probe();
        return;
      } catch (err) {
        last = err;
      }
      await sleep(200);
    }
    const why = this.exited ?? `not ready after ${timeoutMs} ms`;
    const tail = this.logTail(); // read before stop() deletes the dir
    await this.stop();
    throw new Error(
      `${this.name} ${why}; last probe error: ${(last as Error)?.message ?? last}\n--- ${this.name} log tail ---\n${tail}`,
    );
  }

  /** SIGTERM, then SIGKILL after a grace period; then remove the data dir. */
  async stop(): Promise<void> {
    if (!this.exited && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.done;
      clearTimeout(killer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function binary(name: string): string {
  const path = join(cacheDir(), 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} missing: run \`bash test/infra/tools.sh all\` first`);
  return path;
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dicomweb-${prefix}-`));
}

/** FerretDB 1.x on its SQLite backend: a real MongoDB wire-protocol server, no mongod needed. */
export async function startFerretDb(): Promise<MongoService> {
  const dir = tempDir('ferretdb');
  const port = await freePort();
  const proc = new Proc('ferretdb', binary('ferretdb'), [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`, // a directory; the trailing slash is required
    `--listen-addr=127.0.0.1:${port}`,
    `--state-dir=${dir}`,
    '--debug-addr=-', // default 127.0.0.1:8088 would clash between instances
    '--telemetry=disable',
    '--log-level=warn',
  ], dir);
  const url = `mongodb://127.0.0.1:${port}/`;
  await proc.waitReady(() => pingMongo(url));
  return { url, stop: () => proc.stop() };
}

export async function pingMongo(url: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

/** MinIO (single drive) or, when tools.sh fell back to it, moto's S3 server. */
export async function startMinio(bucket = 'dicomweb-test'): Promise<S3Service> {
  const dir = tempDir('s3');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const accessKey = 'minioadmin';
  const secretKey = 'minioadmin-secret'; // MinIO wants >= 8 chars
  const region = 'us-east-1';
  let proc: Proc;
  if (existsSync(join(cacheDir(), 'bin', 'minio'))) {
    const consolePort = await freePort();
    proc = new Proc('minio', binary('minio'), [
      'server', join(dir, 'data'),
      '--address', `127.0.0.1:${port}`,
      '--console-address', `127.0.0.1:${consolePort}`,
      '--certs-dir', join(dir, 'certs'), // not ~/.minio
      '--quiet',
    ], dir, {
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CALLHOME_ENABLE: 'off',
    });
  } else {
    const moto = join(cacheDir(), 'venv', 'bin', 'moto_server');
    if (!existsSync(moto)) throw new Error(`neither minio nor ${moto} found: run \`bash test/infra/tools.sh all\``);
    proc = new Proc('moto', moto, ['-H', '127.0.0.1', '-p', String(port)], dir);
  }
  const cfg = { endpoint, region, accessKey, secretKey, bucket };
  await proc.waitReady(async () => {
    const s3 = s3Client(cfg);
    try {
      await s3.send(new ListBucketsCommand({}));
    } finally {
      s3.destroy();
    }
  });
  try {
    await ensureBucket(cfg);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { ...cfg, stop: () => proc.stop() };
}

type S3Config = Pick<S3Service, 'endpoint' | 'region' | 'accessKey' | 'secretKey'>;

/** Path-style client: MinIO/moto on 127.0.0.1 have no per-bucket DNS names. */
export function s3Client(cfg: S3Config): S3Client {
  return new S3Client({
    endpoint: cfg.endpoint,
    region: cfg.region,
    forcePathStyle: true,
    credentials: { accessKeyId: cfg.accessKey, secretAccessKey: cfg.secretKey },
    maxAttempts: 1, // the readiness loop does the retrying
  });
}

/** Creates the bucket unless it already exists (used for env-given servers too). */
export async function ensureBucket(cfg: S3Config & { bucket: string }): Promise<void> {
  const s3 = s3Client(cfg);
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: cfg.bucket }));
      return;
    } catch {
      // missing (or not visible): try to create it below
    }
    try {
      await s3.send(new CreateBucketCommand({ Bucket: cfg.bucket }));
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  } finally {
    s3.destroy();
  }
}
