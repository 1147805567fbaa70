import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyRegistry } from './api-keys.js';
import { AuthError } from './auth-errors.js';
import type { JwtVerifier } from './jwt-verifier.js';
import type { Principal } from './principal.js';

type Credential = { scheme: 'bearer'; token: string } | { scheme: 'api-key'; key: string };

/**
 * Turns a request's credential into a Principal. Accepted:
 *   Authorization: Bearer <JWT>      (OAuth 2.0, RFC 6750 §2.1)
 *   Authorization: ApiKey <key>      or   X-API-Key: <key>
 * Not accepted: tokens in the query string (RFC 6750 §2.3): URLs end up in
 * logs and browser history. More than one credential is refused rather than
 * guessing which one counts.
 */
export class Authenticator {
  constructor(
    private readonly jwt: JwtVerifier | undefined,
    private readonly apiKeys: ApiKeyRegistry | undefined,
  ) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    const credential = credentialOf(headers);
    if (credential.scheme === 'bearer') {
      if (!this.jwt) throw new AuthError('invalid-token', 'bearer tokens are not accepted by this server (no issuer configured)');
      return this.jwt.verify(credential.token);
    }
    if (!this.apiKeys) throw new AuthError('invalid-token', 'API keys are not accepted by this server (no API_KEYS_FILE)', 'ApiKey');
    return this.apiKeys.verify(credential.key);
  }
}

function credentialOf(headers: IncomingHttpHeaders): Credential {
  const authorization = headers.authorization?.trim();
  const headerKey = headers['x-api-key'];
  if (authorization && headerKey !== undefined) throw new AuthError('invalid-token', 'send one credential: Authorization or X-API-Key, not both');
  if (headerKey !== undefined) {
    if (typeof headerKey !== 'string' || headerKey.trim() === '') throw new AuthError('invalid-token', 'X-API-Key is empty or repeated', 'ApiKey');
    return { scheme: 'api-key', key: headerKey.trim() };
  }
  if (!authorization) throw new AuthError('missing-credentials', 'authentication is required');
  const space = authorization.indexOf(' ');
  const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : authorization.slice(space + 1).trim();
  if (scheme === 'bearer') {
    if (!value) throw new AuthError('invalid-token', 'the bearer token is empty');
    return { scheme: 'bearer', token: value };
  }
  if (scheme === 'apikey') {
    if (!value) throw new AuthError('invalid-token', 'the API key is empty', 'ApiKey');
    return { scheme: 'api-key', key: value };
  }
  throw new AuthError('missing-credentials', `the ${scheme} authorization scheme is not supported; use Bearer or ApiKey`);
}
