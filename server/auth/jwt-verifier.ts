import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey,
} from 'jose';
import { AuthError } from './auth-errors.js';
import { TENANT_PATTERN, type Principal } from './principal.js';
import { parseScopes, scopesOfClaims } from './scopes.js';

export interface JwtSettings {
  issuer: string;
  audience: string;
  jwks: { kind: 'url'; url: string } | { kind: 'file'; file: string };
  tenantClaim: string;
  algorithms: string[];
  clockToleranceS: number;
}

/** The key set could not be fetched: a server-side problem, answered 503, never 401. */
class KeySetUnavailable extends Error {}

/**
 * Verifies OAuth 2.0 bearer tokens (JWT, RFC 9068 style) with jose: the
 * signature against the configured JWKS, `iss`, `aud`, `exp` (required),
 * `nbf`, and only asymmetric algorithms from the allow-list, so `alg: none`
 * and HMAC tokens forged with a public key are refused.
 */
export class JwtVerifier {
  private constructor(
    private readonly settings: JwtSettings,
    private readonly keys: JWTVerifyGetKey,
  ) {}

  static async create(settings: JwtSettings): Promise<JwtVerifier> {
    if (settings.jwks.kind === 'file') {
      const jwks = JSON.parse(await readFile(settings.jwks.file, 'utf8')) as JSONWebKeySet;
      if (!Array.isArray(jwks?.keys)) throw new Error(`AUTH_JWKS_FILE ${settings.jwks.file} holds no "keys" array`);
      return new JwtVerifier(settings, createLocalJWKSet(jwks));
    }
    const remote = createRemoteJWKSet(new URL(settings.jwks.url));
    const keys: JWTVerifyGetKey = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
        throw new KeySetUnavailable('key set unavailable', { cause: err });
      }
    };
    return new JwtVerifier(settings, keys);
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.settings.algorithms,
        clockTolerance: this.settings.clockToleranceS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof KeySetUnavailable) throw new AuthError('unavailable', 'the token signing keys cannot be fetched now');
      throw new AuthError('invalid-token', describe(err));
    }
    return this.principalOf(payload);
  }

  private principalOf(payload: JWTPayload): Principal {
    const claim = this.settings.tenantClaim;
    const tenant = payload[claim];
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
      throw new AuthError('invalid-token', `the token has no valid ${claim} claim`);
    }
    const subject = [payload.sub, payload.client_id, payload.azp].find((v): v is string => typeof v === 'string' && v !== '');
    if (!subject) throw new AuthError('invalid-token', 'the token names no subject (sub, client_id or azp)');
    return { kind: 'jwt', id: subject, tenant, grants: parseScopes(scopesOfClaims(payload)) };
  }
}

/** A description for error_description: what was wrong, never the token itself. */
function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'the token is not yet valid';
    if (err.claim === 'iss') return 'the token was issued by an unexpected issuer';
    if (err.claim === 'aud') return 'the token is for another audience';
    if (err.reason === 'missing') return `the token has no ${err.claim} claim`;
    return `the token's ${err.claim} claim is invalid`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'the token signing algorithm is not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no trusted key matches the token';
  return 'the token is malformed';
}
