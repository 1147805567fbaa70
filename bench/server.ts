// Starts our server as a child process, the way it runs in production
// (server/main.ts, configured only through the environment), with either the
// embedded backend (SQLite + files in a temp dir) or MongoDB + S3 (FerretDB
// and MinIO started by test/infra/services.ts).
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commOf, descendantPids } from './machine.js';
import { ChildServer, freePort, onCleanup } from './procs.js';

export type Backend = 'embedded' | 'mongodb-s3';

export interface RunningServer {
  name: string;
  dicomwebUrl: string;
  pid: number | undefined;
  /** Where blobs + index live on local disk (embedded only; the services keep theirs elsewhere). */
  dataDir?: string;
  /** Processes the server depends on (FerretDB, MinIO), whose CPU counts as the server's too. */
  helperPids?: number[];
  /** Why the process ended, with its log tail; undefined while it runs. */
  deathNote(): string | undefined;
  stop(): Promise<void>;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function startOurServer(workDir: string, backend: Backend, logLevel: string): Promise<RunningServer> {
  const dir = join(workDir, 'ours');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), LOG_LEVEL: logLevel };
  // Never inherit a backend from the caller's shell: the option decides.
  for (const k of ['MONGODB_URL', 'MONGODB_DB', 'S3_BUCKET', 'S3_ENDPOINT', 'S3_REGION', 'S3_FORCE_PATH_STYLE', 'S3_PREFIX']) delete env[k];
  if (backend === 'mongodb-s3') Object.assign(env, await startServices());

  // `node --import tsx` rather than `npx tsx`: one process, so the pid we
  // sample for CPU and memory, and the one we signal, is the server itself.
  // BENCH_SERVER_NODE_ARGS adds node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = new ChildServer('ours', process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, 'server/main.ts')], join(dir, 'server.log'), { cwd: ROOT, env });
  const base = `http://127.0.0.1:${port}`;
  try {
    await proc.waitReady(async () => {
      const res = await fetch(`${base}/readyz`);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      await res.arrayBuffer();
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    name: `ours (${backend})`,
    dicomwebUrl: `${base}/dicomweb`,
    pid: proc.pid,
    dataDir: backend === 'embedded' ? join(dir, 'data') : undefined,
    // services.ts does not expose pids; they are our children, so find them by name.
    helperPids: backend === 'embedded' ? undefined : descendantPids().filter((pid) => ['ferretdb', 'minio', 'moto_server'].includes(commOf(pid))),
    deathNote: () => proc.deathNote(),
    stop: () => proc.stop(),
  };
}

/** FerretDB + MinIO from the shared test helper; their stop() is registered for cleanup. */
async function startServices(): Promise<NodeJS.ProcessEnv> {
  // services.ts loads the AWS SDK into this process; keep its Node 20 upgrade nag out of the tables.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { startFerretDb, startMinio } = await import('../test/infra/services.js');
  const mongo = await startFerretDb();
  onCleanup(mongo.stop);
  const s3 = await startMinio('dicomweb-bench');
  onCleanup(s3.stop);
  return {
    MONGODB_URL: mongo.url,
    MONGODB_DB: 'dicomweb_bench',
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s3.secretKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
