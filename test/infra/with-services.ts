// Runs a command with the test servers up:
//   node --import tsx test/infra/with-services.ts -- <command> [args...]
//
// Environment contract (the storage adapters and tests read exactly these):
//   MONGODB_URL            mongodb://host:port/ — FerretDB started here unless already set
//   S3_ENDPOINT            http://host:port     — MinIO started here unless already set
//   S3_BUCKET              bucket for tests (default dicomweb-test; created if missing)
//   S3_REGION              default us-east-1
//   AWS_ACCESS_KEY_ID      S3 credentials (must be given along with S3_ENDPOINT)
//   AWS_SECRET_ACCESS_KEY
//   S3_FORCE_PATH_STYLE    "true": loopback servers have no per-bucket DNS names
//   PYTHON                 $DICOMWEB_CACHE/venv/bin/python (pydicom, dicomweb-client)
//   DICOMWEB_CACHE         the tools cache filled by test/infra/tools.sh
//
// Servers named in the environment are used as is; the ones started here are
// always stopped when the command ends, fails, or we get SIGINT/SIGTERM.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { constants } from 'node:os';
import { cacheDir, ensureBucket, pingMongo, startFerretDb, startMinio } from './services.js';

// Node 20 is supported by this project; keep the SDK's upgrade nag out of test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const sep = process.argv.indexOf('--');
const [cmd, ...args] = sep >= 0 ? process.argv.slice(sep + 1) : [];
if (!cmd) {
  console.error('usage: with-services.ts -- <command> [args...]');
  process.exit(2);
}

const stops: Array<() => Promise<void>> = [];
const stopAll = () => Promise.allSettled(stops.splice(0).map((stop) => stop()));
const log = (msg: string) => console.error(`[services] ${msg}`);

async function setUp(env: NodeJS.ProcessEnv): Promise<void> {
  const mongo = async () => {
    if (env.MONGODB_URL) {
      await pingMongo(env.MONGODB_URL); // fail early and clearly if it is not there
      return;
    }
    const db = await startFerretDb();
    stops.push(db.stop);
    env.MONGODB_URL = db.url;
  };
  const s3 = async () => {
    if (env.S3_ENDPOINT) {
      const { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey } = env;
      if (!accessKey || !secretKey) throw new Error('S3_ENDPOINT is set but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not');
      env.S3_BUCKET ||= 'dicomweb-test';
      env.S3_REGION ||= 'us-east-1';
      await ensureBucket({ endpoint: env.S3_ENDPOINT, region: env.S3_REGION, accessKey, secretKey, bucket: env.S3_BUCKET });
      return;
    }
    const minio = await startMinio(env.S3_BUCKET || 'dicomweb-test');
    stops.push(minio.stop);
    Object.assign(env, {
      S3_ENDPOINT: minio.endpoint,
      S3_BUCKET: minio.bucket,
      S3_REGION: minio.region,
      AWS_ACCESS_KEY_ID: minio.accessKey,
      AWS_SECRET_ACCESS_KEY: minio.secretKey,
    });
  };
  // Start both at once; if either fails, the other is stopped by the caller.
  const results = await Promise.allSettled([mongo(), s3()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  env.S3_FORCE_PATH_STYLE = 'true';
  env.DICOMWEB_CACHE = cacheDir();
  env.PYTHON = join(cacheDir(), 'venv', 'bin', 'python');
}

async function main(): Promise<number> {
  let interrupted: NodeJS.Signals | null = null;
  let child: ReturnType<typeof spawn> | null = null;
  // On a signal: pass it to the command (if running) and let main() clean up.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      interrupted = sig;
      child?.kill(sig);
    });
  }

  const env = { ...process.env };
  const t0 = Date.now();
  try {
    await setUp(env);
    log(`ready in ${Date.now() - t0} ms: MONGODB_URL=${env.MONGODB_URL} S3_ENDPOINT=${env.S3_ENDPOINT} S3_BUCKET=${env.S3_BUCKET}`);
    if (interrupted) return 128 + constants.signals[interrupted];

    const proc = spawn(cmd, args, { stdio: 'inherit', env });
    child = proc;
    return await new Promise<number>((resolve) => {
      proc.on('error', (err) => {
        log(`cannot run ${cmd}: ${err.message}`);
        resolve(127);
      });
      proc.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? constants.signals[sig] : 1)));
    });
  } catch (err) {
    log(`could not start the test servers:\n${(err as Error).stack ?? err}`);
    return 1;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
