import type { Request, RequestHandler } from 'express';
import type { RateLimits } from './limits-config.js';
import { bodyUnread, sendLimitResponse } from './limit-response.js';
import { TokenBuckets } from './token-bucket.js';

/** Probes are never throttled: an orchestrator must always see the truth. */
const EXEMPT = new Set(['/healthz', '/readyz']);

/**
 * Per-tenant request rate (token bucket): over the rate, 429 with
 * Retry-After and the limit named. Mounted after authentication, so the key
 * is the tenant of the credential; requests without one (public routes) are
 * keyed by client address.
 */
export function rateLimit(limits: RateLimits, tenantOf: (req: Request) => string | undefined): RequestHandler {
  if (limits.perSecond.max === 0) return (_req, _res, next) => next();
  const buckets = new TokenBuckets(limits.perSecond.max, limits.burst.max);
  return (req, res, next) => {
    if (EXEMPT.has(req.path)) return next();
    const tenant = tenantOf(req);
    const taken = buckets.take(tenant !== undefined ? `tenant:${tenant}` : `address:${req.socket.remoteAddress ?? ''}`);
    if (taken.ok) return next();
    const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
    const message = `${limits.perSecond.name}=${limits.perSecond.max} exceeded (${limits.burst.name}=${limits.burst.max}): `
      + `too many requests for this tenant; retry after ${seconds} s`;
    // The body of a refused upload is not read: close rather than drain it.
    const headers: Record<string, string> = { 'Retry-After': String(seconds) };
    if (bodyUnread(req)) headers.Connection = 'close';
    sendLimitResponse(req, res, 429, message, headers);
  };
}
