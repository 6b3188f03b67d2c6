/**
 * Signing and verifying the provider's own JWTs with jose. Signing uses the signing ring's
 * current key in-process (no KMS call per token); verification uses only the published keys
 * (what JWKS shows), so a token is accepted here exactly when a relying party would accept it.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { IdentityServerError } from '../errors.js';
import type { SigningKey } from './signing-key-ring.js';
import { DEFAULT_SIGNING_ALG, isSigningAlg, SIGNING_ALGORITHMS, type PublishedJwk, type SigningAlg } from './signing-key-policy.js';

export interface CurrentSigningKeySource {
  currentSigningKey(alg: SigningAlg): Promise<SigningKey>;
}

export interface PublishedKeySource {
  publishedKey(kid: string, alg: SigningAlg): Promise<PublishedJwk | undefined>;
}

export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Access tokens are only ever ES256 (no relying party verifies them, only this issuer). */
const ACCESS_TOKEN_ALGORITHMS = [DEFAULT_SIGNING_ALG];

export class TokenSigner {
  constructor(private readonly keys: CurrentSigningKeySource) {}

  /** Signs with the current key of `alg` (ES256 unless a client registered another for its ID tokens). */
  async sign(claims: Record<string, unknown>, typ: 'JWT' | typeof ACCESS_TOKEN_TYP, alg: SigningAlg = DEFAULT_SIGNING_ALG): Promise<string> {
    const key = await this.keys.currentSigningKey(alg);
    return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.privateKey);
  }

  /**
   * Loads the current key of `alg` (from the instance's cache when warm): once it resolves,
   * signing with that algorithm has what it needs, so a caller can do its one write first.
   */
  async ready(alg: SigningAlg = DEFAULT_SIGNING_ALG): Promise<void> {
    await this.keys.currentSigningKey(alg);
  }
}

/** Why a token was not accepted; for logs and tests, never shown in detail to callers. */
export type TokenRejection = 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'invalid_claims';

export class TokenRejectedError extends IdentityServerError {
  readonly code = 'token_rejected';

  constructor(readonly reason: TokenRejection) {
    super(`token rejected: ${reason}`);
  }
}

export interface VerifiedToken {
  kid: string;
  claims: JWTPayload & Record<string, unknown>;
}

export class TokenVerifier {
  private readonly issuer: string;
  private readonly keys: PublishedKeySource;
  private readonly clock: Clock;
  /** Imported public keys by kid; a kid's key never changes, so entries never go stale. */
  private readonly imported = new Map<string, KeyObject>();

  constructor(options: { issuer: string; keys: PublishedKeySource; clock: Clock }) {
    this.issuer = options.issuer;
    this.keys = options.keys;
    this.clock = options.clock;
  }

  /** An RFC 9068 access token of this issuer: signature, `typ`, `iss`, `exp`, and the claims we rely on. */
  async verifyAccessToken(token: string): Promise<VerifiedToken> {
    const { kid, key } = await this.keyFor(token);
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer: this.issuer,
        typ: ACCESS_TOKEN_TYP,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        currentDate: new Date(this.clock()),
        requiredClaims: ['sub', 'client_id', 'jti', 'exp', 'iat', 'aud'],
      });
      if (typeof payload.client_id !== 'string' || typeof payload.jti !== 'string') throw new TokenRejectedError('invalid_claims');
      return { kid, claims: payload as VerifiedToken['claims'] };
    } catch (error) {
      throw toRejection(error);
    }
  }

  /**
   * An ID token of this issuer whose expiry does not matter (RP-initiated logout accepts an
   * expired `id_token_hint`): signature and `iss` only, and never an access token.
   */
  async verifyIdTokenHint(token: string): Promise<VerifiedToken> {
    const { kid, key } = await this.keyFor(token);
    let payload: unknown;
    try {
      const { payload: bytes, protectedHeader } = await compactVerify(token, key, { algorithms: [...SIGNING_ALGORITHMS] });
      if (protectedHeader.typ !== undefined && protectedHeader.typ.toLowerCase() !== 'jwt') throw new TokenRejectedError('invalid_claims');
      payload = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw toRejection(error);
    }
    if (typeof payload !== 'object' || payload === null) throw new TokenRejectedError('malformed');
    const claims = payload as VerifiedToken['claims'];
    if (claims.iss !== this.issuer || typeof claims.sub !== 'string' || claims.aud === undefined) throw new TokenRejectedError('invalid_claims');
    return { kid, claims };
  }

  private async keyFor(token: string): Promise<{ kid: string; key: KeyObject }> {
    let kid: unknown;
    let alg: unknown;
    try {
      ({ kid, alg } = decodeProtectedHeader(token));
    } catch (error) {
      throw toRejection(error);
    }
    if (!isSigningAlg(alg)) throw new TokenRejectedError('malformed');
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 64) throw new TokenRejectedError('malformed');
    // Keys are looked up in the ring of the header's alg, so an RS256 header never selects an EC key.
    const cached = this.imported.get(kid);
    if (cached !== undefined) {
      // Retention may have ended since: the key must still be published.
      if ((await this.keys.publishedKey(kid, alg)) === undefined) throw new TokenRejectedError('unknown_key');
      return { kid, key: cached };
    }
    const jwk = await this.keys.publishedKey(kid, alg);
    if (jwk === undefined || jwk.alg !== alg) throw new TokenRejectedError('unknown_key');
    const { kid: _kid, alg: _alg, use: _use, ...params } = jwk;
    const key = createPublicKey({ key: params, format: 'jwk' });
    this.imported.set(kid, key);
    return { kid, key };
  }
}

function toRejection(error: unknown): TokenRejectedError {
  if (error instanceof TokenRejectedError) return error;
  if (error instanceof joseErrors.JWTExpired) return new TokenRejectedError('expired');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new TokenRejectedError('bad_signature');
  if (error instanceof joseErrors.JWTClaimValidationFailed) return new TokenRejectedError('invalid_claims');
  if (error instanceof joseErrors.JOSEError || error instanceof SyntaxError || error instanceof TypeError) return new TokenRejectedError('malformed');
  throw error;
}
