import { loadConfig } from './config.js';
import { buildContainer } from './container.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { createHttpServer } from './limits/http-server.js';
import { startPendingSweep } from './limits/pending-sweep.js';
import { recoverPending } from '../core/store/recover-pending.js';
import { noAuthWarning } from './auth/security.js';

/** Entry point: config → container → app → listen, with graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const container = await buildContainer(config, log);
  const insecure = noAuthWarning(container);
  if (insecure) log.warn(insecure);
  const recovered = await recoverPending(container.index, container.blobs, new Date());
  if (recovered.deleted || recovered.committed) log.info(recovered, 'recovered interrupted stores');
  const stopSweep = startPendingSweep(container.index, container.blobs, {
    intervalMs: config.timeouts.pendingSweepIntervalMs, minAgeMs: config.timeouts.pendingSweepMinAgeMs,
  }, log);
  const server = createHttpServer(createApp(container), config.limits.http).listen(config.port, config.host, () => {
    log.info({ port: config.port, host: config.host, index: config.index.kind, blobs: config.blobs.kind }, 'listening');
  });
  const stop = () => {
    log.info('shutting down');
    stopSweep();
    server.close(() => void container.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
