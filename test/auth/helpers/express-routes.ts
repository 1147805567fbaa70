import type { Express } from 'express';

export interface RegisteredRoute {
  /** GET, POST, …, or USE for a middleware mounted at a path (static files, sub-apps). */
  method: string;
  path: string;
}

/**
 * Every route of an Express 5 app, with the mount paths of the routers it
 * sits in joined in front. Middleware at "/" inside a router (error handlers,
 * catch-all 404s) is not listed: it runs only for requests that a listed
 * route or mount let through. A regular-expression path cannot be checked
 * against the route table, so it fails here.
 */
export function registeredRoutes(app: Express): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', out);
  return out;
}

interface Layer {
  rawPath?: string | RegExp | Array<string | RegExp>;
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function walk(stack: Layer[], prefix: string, out: RegisteredRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const p of [layer.route.path].flat()) {
        for (const m of Object.keys(layer.route.methods)) out.push({ method: m === '_all' ? 'ALL' : m.toUpperCase(), path: join(prefix, p) });
      }
      continue;
    }
    for (const p of [layer.rawPath ?? '/'].flat()) {
      if (typeof p !== 'string') throw new Error(`a middleware under "${prefix || '/'}" is mounted at a regular expression (${String(p)}); use a string path`);
      if (layer.handle?.stack) walk(layer.handle.stack, join(prefix, p), out);
      else if (p !== '/') out.push({ method: 'USE', path: join(prefix, p) });
    }
  }
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
