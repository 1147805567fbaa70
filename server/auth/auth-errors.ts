/**
 * Why a request was refused before reaching a router. Mapped to HTTP once,
 * in error-response.ts (status, WWW-Authenticate challenge, protocol body).
 *
 * missing-credentials  401, challenge without an error code (RFC 6750 §3.1)
 * invalid-token        401, error="invalid_token": expired, not yet valid,
 *                      wrongly signed, wrong issuer or audience, alg none,
 *                      unknown or malformed API key
 * insufficient-scope   403, error="insufficient_scope" with the scope needed
 * no-route             404: the request matches no route-table entry
 * unavailable          503: the key set (JWKS) could not be fetched, which is
 *                      not the client's fault
 */
export type AuthErrorKind = 'missing-credentials' | 'invalid-token' | 'insufficient-scope' | 'no-route' | 'unavailable';

export class AuthError extends Error {
  constructor(
    readonly kind: AuthErrorKind,
    message: string,
    /** The credential scheme the challenge names. */
    readonly scheme: 'Bearer' | 'ApiKey' = 'Bearer',
    /** For insufficient-scope: the scope that would have been enough. */
    readonly scope?: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
