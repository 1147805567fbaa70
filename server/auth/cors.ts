import type { RequestHandler } from 'express';

export interface CorsSettings {
  /** Allowed origins; ['*'] allows any. Empty: CORS is off (same-origin only). */
  origins: string[];
}

const METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** Headers browser clients (OHIF, FHIR apps) send beyond the CORS-safelisted ones. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Accept, X-API-Key, If-None-Match, If-Match, If-Modified-Since, Range, Prefer';
/** Response headers a script may read: challenges, paging warnings, locations. */
const EXPOSED_HEADERS = 'WWW-Authenticate, Warning, Location, Content-Location, ETag, Last-Modified, Content-Range, Retry-After';

/**
 * CORS for the viewer and other browser clients (CORS_ORIGINS). Runs before
 * access control, because a preflight never carries credentials: it is
 * answered here (204) and never reaches authentication or a router.
 * Credentials are bearer tokens in a header, not cookies, so
 * Access-Control-Allow-Credentials is not needed and not sent.
 */
export function cors(settings: CorsSettings): RequestHandler {
  const any = settings.origins.includes('*');
  const allowed = new Set(settings.origins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.headers.origin;
    const ok = origin !== undefined && (any || allowed.has(origin.toLowerCase()));
    if (allowed.size) res.vary('Origin');
    if (ok) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!preflight) return next();
    if (ok) {
      res.setHeader('Access-Control-Allow-Methods', METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    // A preflight from an origin not allowed gets no CORS headers, so the browser refuses the real request.
    res.status(204).end();
  };
}
