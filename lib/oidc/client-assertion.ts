/**
 * `private_key_jwt` client authentication (RFC 7523 section 3, OpenID Connect Core section 9):
 * the client signs a short-lived JWT with a key it registered (`jwks`, or `jwks_uri` fetched by
 * remote-jwks.ts) instead of sending a secret.
 *
 *   iss = sub = client_id, aud = this issuer or one of its endpoints that authenticate clients,
 *   exp required and at most MAX_LIFETIME_S ahead, jti required and single use.
 *
 * Single use is enforced by DynamoDB: the first presentation puts
 * `oidc-client-assertion#<sha256(client_id, jti)>` with ifAbsent until the assertion expires, so
 * a replay on any instance finds it and fails. The put comes last, after the signature, so a
 * forged assertion cannot burn a client's jti. Cost: one conditional put per authentication
 * (plus, for a `jwks_uri` client, one fetch per instance and cache period).
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import type { TtlStore } from '../ttl-store.js';
import type { ClientJwks, OAuthClient } from './client-metadata.js';
import { RemoteJwksError } from './remote-jwks.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** What discovery's `*_auth_signing_alg_values_supported` lists. */
export const CLIENT_ASSERTION_ALGORITHMS = ['ES256', 'RS256', 'PS256'] as const;
/** An assertion is meant for one request: a longer one would be kept (for replay checks) needlessly long. */
const MAX_LIFETIME_S = 600;
const CLOCK_TOLERANCE_S = 30;
const MAX_JTI_LENGTH = 256;
const JTI_PREFIX = 'oidc-client-assertion#';

/** The keys of a client that registered a `jwks_uri` (remote-jwks.ts). */
export interface RemoteKeySource {
  /** The document at `uri`, from this instance's cache when fresh; `refresh` asks again (rate-limited) for a key the cached copy lacks. */
  keys(uri: string, options?: { refresh?: boolean }): Promise<ClientJwks>;
}

export interface ClientAssertionVerifierDeps {
  issuer: string;
  store: TtlStore;
  remoteKeys: RemoteKeySource;
  clock: Clock;
}

export class ClientAssertionVerifier {
  private readonly audiences: string[];
  /**
   * Key sets by document: the client cache and the remote fetcher hand out the same object
   * while it is fresh, so each key is imported once per instance, not per request.
   */
  private readonly keySets = new WeakMap<ClientJwks, ReturnType<typeof createLocalJWKSet>>();

  constructor(private readonly deps: ClientAssertionVerifierDeps) {
    const { issuer } = deps;
    this.audiences = [issuer, `${issuer}/token`, `${issuer}/revoke`, `${issuer}/introspect`];
  }

  /** True when `assertion` authenticates `client` now, and was never presented before. */
  async verify(client: OAuthClient, assertion: string): Promise<boolean> {
    const keys = client.privateKeyJwt;
    if (keys === undefined) return false;
    let payload: JWTPayload;
    try {
      if ('jwks' in keys) {
        payload = await this.verifyWith(client, assertion, keys.jwks);
      } else {
        try {
          payload = await this.verifyWith(client, assertion, await this.deps.remoteKeys.keys(keys.jwksUri));
        } catch (error) {
          // The client may have rotated its keys since this instance fetched them.
          if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
          payload = await this.verifyWith(client, assertion, await this.deps.remoteKeys.keys(keys.jwksUri, { refresh: true }));
        }
      }
    } catch (error) {
      // A jwks_uri that cannot be fetched under remote-jwks.ts's rules proves nothing either.
      if (error instanceof joseErrors.JOSEError || error instanceof RemoteJwksError || error instanceof TypeError || error instanceof SyntaxError) return false;
      throw error;
    }
    const nowS = Math.floor(this.deps.clock() / 1000);
    const { exp, jti } = payload;
    if (typeof exp !== 'number' || exp - nowS > MAX_LIFETIME_S) return false;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) return false;
    const ttlS = Math.max(1, exp - nowS + CLOCK_TOLERANCE_S);
    return this.deps.store.put(jtiKey(client.clientId, jti), {}, ttlS, { ifAbsent: true });
  }

  private async verifyWith(client: OAuthClient, assertion: string, jwks: ClientJwks): Promise<JWTPayload> {
    let keySet = this.keySets.get(jwks);
    if (keySet === undefined) {
      keySet = createLocalJWKSet(jwks as JSONWebKeySet);
      this.keySets.set(jwks, keySet);
    }
    const { payload } = await jwtVerify(assertion, keySet, {
      issuer: client.clientId,
      subject: client.clientId,
      audience: this.audiences,
      algorithms: [...CLIENT_ASSERTION_ALGORITHMS],
      currentDate: new Date(this.deps.clock()),
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp', 'jti'],
    });
    return payload;
  }
}

function jtiKey(clientId: string, jti: string): string {
  // Length-prefixed, so no (client id, jti) pair collides with another.
  return JTI_PREFIX + createHash('sha256').update(`${clientId.length}:${clientId}${jti}`).digest('base64url');
}
