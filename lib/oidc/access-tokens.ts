/**
 * Whether an access token is live: a valid signature under a published key, not expired, its
 * grant neither revoked nor gone (so revoking a grant or a refresh family kills its access
 * tokens on every instance), and not revoked on its own (RFC 7009).
 */
import type { JWTPayload } from 'jose';
import type { ClientLookup } from './client-authentication.js';
import { isUsableGrant, type Grant, type GrantStore } from './grant-store.js';
import { TokenRejectedError, type TokenVerifier } from '../signing/token-signer.js';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  jti: string;
  exp: number;
  iat: number;
  scope?: string;
  gid?: string;
  auth_time?: number;
}

export type AccessTokenCheck =
  /** `grant` is the token's grant, read anyway to check it is usable (absent for client_credentials tokens). */
  | { active: true; claims: AccessTokenClaims; scopes: string[]; grant?: Grant }
  | { active: false; reason: 'invalid' | 'expired' | 'revoked' };

export class AccessTokens {
  /**
   * `clients`: the instance's cached client lookup. A token of a client that was removed (the
   * CLI, or an RFC 7592 delete) is dead within CLIENT_CACHE_TTL_S; the lookup is shared with the
   * one signed userinfo makes anyway, so a warm instance pays no extra read.
   */
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly grants: GrantStore,
    private readonly clients: Pick<ClientLookup, 'find'>,
  ) {}

  async check(token: string): Promise<AccessTokenCheck> {
    let claims: AccessTokenClaims;
    try {
      const verified = await this.verifier.verifyAccessToken(token);
      claims = verified.claims as AccessTokenClaims;
    } catch (error) {
      if (error instanceof TokenRejectedError) return { active: false, reason: error.reason === 'expired' ? 'expired' : 'invalid' };
      throw error;
    }
    if (claims.gid !== undefined && typeof claims.gid !== 'string') return { active: false, reason: 'invalid' };
    const [grant, revoked, client] = await Promise.all([
      claims.gid === undefined ? Promise.resolve(undefined) : this.grants.grant(claims.gid),
      this.grants.isAccessTokenRevoked(claims.jti),
      this.clients.find(claims.client_id),
    ]);
    if (revoked || client === undefined) return { active: false, reason: 'revoked' };
    if (claims.gid !== undefined && (!isUsableGrant(grant) || grant.clientId !== claims.client_id || grant.subject !== claims.sub)) {
      return { active: false, reason: 'revoked' };
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
    return { active: true, claims, scopes, ...(grant !== undefined ? { grant } : {}) };
  }

  /** Signature and issuer only, for revocation: an expired token needs nothing revoked. */
  async verifiedClaims(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      return (await this.verifier.verifyAccessToken(token)).claims as AccessTokenClaims;
    } catch (error) {
      if (error instanceof TokenRejectedError) return undefined;
      throw error;
    }
  }
}

/** Compact JWS shape; our refresh tokens are 43 base64url characters without dots. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
