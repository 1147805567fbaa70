import { loadConfig } from './config.js';
import { buildContainer } from './container.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { recoverPending } from '../core/store/recover-pending.js';

/** Entry point: config → container → app → listen, with graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const container = await buildContainer(config, log);
  const recovered = await recoverPending(container.index, container.blobs, new Date());
  if (recovered.deleted || recovered.committed) log.info(recovered, 'recovered interrupted stores');
  const server = createApp(container).listen(config.port, config.host, () => {
    log.info({ port: config.port, host: config.host, index: config.index.kind, blobs: config.blobs.kind }, 'listening');
  });
  const stop = () => {
    log.info('shutting down');
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
