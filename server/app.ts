import express, { type Express, type Request } from 'express';
import type { StoreResult } from '../core/store/store-instance.js';
import { dicomwebRouter } from '../dicomweb/router.js';
import type { Container } from './container.js';

/** Builds the HTTP application from a container. No I/O at construction. */
export function createApp(c: Container, hooks: { onStored?: (tenant: string, results: StoreResult[]) => void } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    try {
      await Promise.all([c.index.ping(), c.blobs.ping()]);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).setHeader('Retry-After', '5').json({ status: 'unavailable' });
    }
  });

  const ctx = {
    tenantOf: (_req: Request) => c.config.defaultTenant,
    baseUrl: (req: Request) => `${c.config.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`}/dicomweb`,
    onStored: hooks.onStored,
  };
  app.use('/dicomweb', dicomwebRouter({
    store: { index: c.index, blobs: c.blobs, searchKeys: c.searchKeys, duplicatePolicy: c.config.duplicatePolicy, maxHeaderBytes: c.config.maxHeaderBytes },
    qido: { index: c.index, searchKeys: c.searchKeys, limits: c.config.qido },
    ctx,
    log: c.log,
  }));
  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  return app;
}
