import { createServer, type Server } from 'node:http';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';

export const ISSUER = 'https://idp.test.example/realms/imaging';
export const AUDIENCE = 'https://dicomweb.test.example';

/** Every scope this server knows, for callers that should pass any permission check. */
export const ALL_SCOPES = 'system/*.cruds system/AuditEvent.rs system/fhirpush.cr';

export interface TokenOptions {
  /** Seconds from now; negative for an expired token. Omitted claim with `null`. */
  exp?: number | null;
  nbf?: number;
  iss?: string;
  aud?: string;
  /** Sign with a key the JWKS does not hold, under the trusted key's kid. */
  forged?: boolean;
  /** 'ES256' signs with the EC key (also in the JWKS). */
  alg?: 'RS256' | 'ES256';
}

/**
 * A test identity provider: real key pairs made with jose, their public JWKS
 * served from an HTTP server on 127.0.0.1 or written to a file, and real
 * signed JWTs.
 */
export class TestIssuer {
  private constructor(
    private readonly rsa: { privateKey: CryptoKey; publicKey: CryptoKey },
    private readonly ec: { privateKey: CryptoKey; publicKey: CryptoKey },
    private readonly other: { privateKey: CryptoKey },
    readonly jwks: JSONWebKeySet,
  ) {}

  static async create(): Promise<TestIssuer> {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ec = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('RS256');
    const jwks = {
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    };
    return new TestIssuer(rsa, ec, other, jwks);
  }

  async token(claims: JWTPayload & { tenant?: string; scope?: string }, o: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const alg = o.alg ?? 'RS256';
    const payload: JWTPayload = { sub: 'client-1', jti: randomUUID(), ...claims };
    if (o.exp !== null) payload.exp = now + (o.exp ?? 300);
    if (o.nbf !== undefined) payload.nbf = now + o.nbf;
    const key = o.forged ? this.other.privateKey : alg === 'ES256' ? this.ec.privateKey : this.rsa.privateKey;
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid: alg === 'ES256' ? 'ec-1' : 'rsa-1', typ: 'JWT' })
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? AUDIENCE)
      .setIssuedAt(now)
      .sign(key);
  }

  /** An unsecured JWT (RFC 7519 §6): header alg "none", empty signature. */
  unsignedToken(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now + 300, ...claims })}.`;
  }

  /** The classic key-confusion forgery: HS256 with the RSA public key (PEM) as the HMAC secret. */
  async hmacWithPublicKey(claims: Record<string, unknown>): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now + 300, ...claims })}`;
    const secret = await exportSPKI(this.rsa.publicKey);
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }

  async writeJwks(file: string): Promise<void> {
    await writeFile(file, JSON.stringify(this.jwks));
  }

  /** Serves the JWKS at http://127.0.0.1:<port>/jwks.json; `down()` makes it answer 500. */
  async serve(): Promise<{ url: string; requests(): number; down(isDown: boolean): void; close(): Promise<void> }> {
    let count = 0;
    let isDown = false;
    const server: Server = createServer((req, res) => {
      count++;
      if (isDown || req.url !== '/jwks.json') return void res.writeHead(isDown ? 500 : 404).end();
      res.writeHead(200, { 'Content-Type': 'application/jwk-set+json' }).end(JSON.stringify(this.jwks));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    return {
      url: `http://127.0.0.1:${port}/jwks.json`,
      requests: () => count,
      down: (d) => void (isDown = d),
      close: () => new Promise((r) => server.close(() => r())),
    };
  }
}

/** A short fingerprint for messages (never print a token). */
export const fp = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);
