/**
 * The claims of the tokens this provider signs. Pure: times, ids and user data come in, claim
 * sets go out; signing is lib/oidc/token-signer.ts.
 *
 *   ID token      OpenID Connect Core section 2 (+ at_hash, section 3.1.3.6)
 *   access token  RFC 9068 (JWT profile for OAuth 2.0 access tokens), `typ: at+jwt`
 */
import { createHash } from 'node:crypto';
import { acrOf } from './acr.js';
import { userClaims, type ClaimsUser } from './scopes.js';

/** The audience of access tokens issued to users: the one resource this provider serves. */
export function userinfoAudience(issuer: string): string {
  return `${issuer}/userinfo`;
}

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  subject: string;
  nowS: number;
  ttlS: number;
  authTimeS: number;
  amr: readonly string[];
  sessionId?: string;
  nonce?: string;
  /** When the ID token travels with an access token, its at_hash. */
  accessToken?: string;
  scopes: readonly string[];
  /** The user claims the `claims` request asked for in the ID token (claims-request.ts), beyond what the scopes release. */
  requestedClaims?: readonly string[];
  user: ClaimsUser;
}

export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  return {
    iss: input.issuer,
    sub: input.subject,
    aud: input.clientId,
    exp: input.nowS + input.ttlS,
    iat: input.nowS,
    auth_time: input.authTimeS,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    // The class the recorded methods satisfy (acr.ts): never more than the sign-in proved.
    acr: acrOf(input.amr),
    ...(input.amr.length > 0 ? { amr: [...input.amr] } : {}),
    ...(input.sessionId !== undefined ? { sid: input.sessionId } : {}),
    ...(input.accessToken !== undefined ? { at_hash: atHash(input.accessToken) } : {}),
    ...userClaims(input.user, input.scopes, input.requestedClaims),
  };
}

export interface AccessTokenInput {
  issuer: string;
  clientId: string;
  /** The user, or the client itself for client_credentials (RFC 9068 section 2.2). */
  subject: string;
  audience: string;
  scopes: readonly string[];
  jti: string;
  nowS: number;
  ttlS: number;
  authTimeS?: number;
  /** The grant the token belongs to; revoking the grant revokes the token. */
  grantId?: string;
}

export function accessTokenClaims(input: AccessTokenInput): Record<string, unknown> {
  return {
    iss: input.issuer,
    sub: input.subject,
    aud: input.audience,
    client_id: input.clientId,
    ...(input.scopes.length > 0 ? { scope: input.scopes.join(' ') } : {}),
    jti: input.jti,
    exp: input.nowS + input.ttlS,
    iat: input.nowS,
    ...(input.authTimeS !== undefined ? { auth_time: input.authTimeS } : {}),
    ...(input.grantId !== undefined ? { gid: input.grantId } : {}),
  };
}

/** Left half of the SHA-256 of the ASCII token, base64url (ES256 uses SHA-256). */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
