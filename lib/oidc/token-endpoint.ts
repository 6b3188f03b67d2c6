/**
 * POST /token (RFC 6749 sections 4.1.3, 4.4, 6; OpenID Connect Core section 3.1.3): the
 * authorization_code, refresh_token and client_credentials grants. Every answer is JSON and
 * `Cache-Control: no-store`; client mistakes are thrown as RFC 6749 section 5.2 errors
 * (lib/oidc/errors.ts), which `api()` renders, never a 500.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { json, type HttpResponse } from '../http/response.js';
import { isDisabled } from '../auth/user-status.js';
import type { User } from '../auth/user-store.js';
import { authenticateClient, type ClientLookup } from './client-authentication.js';
import type { GrantType, OAuthClient } from './client-metadata.js';
import { InvalidGrant, InvalidRequest, InvalidScope, UnauthorizedClient, UnsupportedGrantType } from './errors.js';
import type { GrantFactsWithId, GrantStore } from './grant-store.js';
import { countRefreshReuse, countTokenIssued } from './oidc-events.js';
import { verifyPkce } from './pkce.js';
import { rejectRepeatedParameters } from './repeated-parameters.js';
import { parseScope } from './scopes.js';
import { accessTokenClaims, idTokenClaims, userinfoAudience } from './token-claims.js';
import { ACCESS_TOKEN_TYP, type TokenSigner } from '../signing/token-signer.js';

export interface TokenEndpointDeps {
  config: Pick<Config, 'issuer' | 'tokens'>;
  clients: ClientLookup;
  grants: GrantStore;
  users: { findById(id: string): Promise<User | undefined> };
  signer: TokenSigner;
  clock: Clock;
}

interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  id_token?: string;
  refresh_token?: string;
}

export class TokenEndpoint {
  constructor(private readonly deps: TokenEndpointDeps) {}

  async handle(authorization: string | undefined, form: URLSearchParams): Promise<HttpResponse> {
    rejectRepeatedParameters(form);
    const grantType = form.get('grant_type');
    if (!grantType) throw new InvalidRequest('grant_type is missing.');

    const { client } = await authenticateClient(this.deps.clients, authorization, form);
    switch (grantType) {
      case 'authorization_code':
        return tokenResponse('authorization_code', await this.authorizationCode(client, form));
      case 'refresh_token':
        return tokenResponse('refresh_token', await this.refreshToken(client, form));
      case 'client_credentials':
        return tokenResponse('client_credentials', await this.clientCredentials(client, form));
      default:
        throw new UnsupportedGrantType('Supported: authorization_code, refresh_token, client_credentials.');
    }
  }

  /**
   * Reads the code, checks, signs the access token (so a signing key is ready), and only then
   * spends the code by activating its grant with the first refresh token, one conditional
   * UpdateItem sent together with the read of the user (3 DynamoDB calls with the client cached,
   * 2 round trips, no transaction). A fault before the write (a signing key not ready, an outage)
   * leaves the code redeemable; a client mistake (wrong client, redirect_uri or verifier) revokes
   * its grant, so the code can never be redeemed after it.
   */
  private async authorizationCode(client: OAuthClient, form: URLSearchParams): Promise<TokenResponseBody> {
    if (!client.grantTypes.includes('authorization_code')) throw new UnauthorizedClient('This client may not use authorization_code.');
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    const verifier = form.get('code_verifier');
    if (!code) throw new InvalidRequest('code is missing.');
    if (!redirectUri) throw new InvalidRequest('redirect_uri is missing.');
    const invalid = 'The authorization code is invalid, expired or already used.';
    if (code.length > 128) throw new InvalidGrant(invalid);

    const issued = await this.deps.grants.findCode(code);
    if (issued === undefined) throw new InvalidGrant(invalid);
    const refuse = async (description: string): Promise<never> => {
      await this.deps.grants.revokeGrant(issued.grantId);
      throw new InvalidGrant(description);
    };
    if (issued.clientId !== client.clientId) return refuse('The authorization code was issued to another client.');
    if (issued.redirectUri !== redirectUri) return refuse('redirect_uri does not match the authorization request.');
    if (issued.codeChallenge !== undefined) {
      if (!verifier) return refuse('code_verifier is missing.');
      if (!verifyPkce(verifier, issued.codeChallenge, issued.codeChallengeMethod ?? '')) return refuse('code_verifier does not match the code_challenge.');
    } else if (verifier !== null) {
      // RFC 9700 section 2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
      return refuse('code_verifier sent, but the authorization request had no code_challenge.');
    }
    const { tokens } = this.deps.config;
    const nowS = this.nowS();
    const withRefresh = issued.scopes.includes('offline_access') && client.grantTypes.includes('refresh_token');
    const scopes = withRefresh ? issued.scopes : issued.scopes.filter((scope) => scope !== 'offline_access');
    const accessToken = await this.accessToken(issued, scopes, nowS);
    await this.deps.signer.ready(client.idTokenSignedResponseAlg);

    const familyExpiresAtS = withRefresh ? nowS + tokens.refreshTokenTtlS : undefined;
    // The grant outlives its last access token: that is how long revoking it must matter.
    const grantTtlS = withRefresh ? tokens.refreshTokenTtlS + tokens.accessTokenTtlS : tokens.accessTokenTtlS;
    const [user, redemption] = await this.writeWithUser(issued, () =>
      this.deps.grants.redeemCode(issued, { grantTtlS, ...(familyExpiresAtS !== undefined ? { familyExpiresAtS } : {}) }),
    );
    if (redemption.outcome !== 'redeemed') throw new InvalidGrant(invalid);
    const idToken = await this.idToken(client, issued, user, scopes, nowS, accessToken, issued.nonce);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: tokens.accessTokenTtlS,
      scope: scopes.join(' '),
      id_token: idToken,
      ...(redemption.refreshToken !== undefined ? { refresh_token: redemption.refreshToken } : {}),
    };
  }

  /**
   * Rotates first, with one conditional UpdateItem of the grant that answers the facts the new
   * tokens are made of, then reads the user (2 DynamoDB calls with the client cached, 2 round
   * trips, no transaction); a request that narrows the scope reads the grant before, to check it.
   * Everything that can fail without side effects comes before the write: the request's own
   * checks, and loading the signing keys (so "no signing key ready" leaves the token usable). A
   * request failing after the write (the user read's outage) gets the same successor on retry
   * within the grace window, so the client's retry is not mistaken for reuse (which would revoke
   * the whole family).
   */
  private async refreshToken(client: OAuthClient, form: URLSearchParams): Promise<TokenResponseBody> {
    if (!client.grantTypes.includes('refresh_token')) throw new UnauthorizedClient('This client may not use refresh_token.');
    const token = form.get('refresh_token');
    if (!token) throw new InvalidRequest('refresh_token is missing.');
    const invalid = 'The refresh token is invalid or expired.';
    if (token.length > 128) throw new InvalidGrant(invalid);
    const requested = form.get('scope');
    const narrowed = requested === null ? undefined : parseScope(requested);
    if (requested !== null && narrowed === undefined) throw new InvalidScope('scope is malformed.');
    if (narrowed !== undefined) {
      const current = await this.deps.grants.refreshToken(token);
      if (current === undefined || current.clientId !== client.clientId) throw new InvalidGrant(invalid);
      if (narrowed.some((scope) => !current.scopes.includes(scope))) throw new InvalidScope('A refreshed token can only have scopes the user granted.');
    }
    await Promise.all([this.deps.signer.ready(), this.deps.signer.ready(client.idTokenSignedResponseAlg)]);

    const rotation = await this.deps.grants.rotateRefreshToken(token, client.clientId);
    switch (rotation.outcome) {
      case 'invalid':
        throw new InvalidGrant(invalid);
      case 'expired':
        throw new InvalidGrant('The refresh token has expired.');
      case 'revoked':
        throw new InvalidGrant('The refresh token has been revoked or expired.');
      case 'reused':
        countRefreshReuse();
        throw new InvalidGrant('The refresh token was already used; every token of this sign-in has been revoked.');
      case 'rotated': {
        const { grant } = rotation;
        // A deleted or disabled user's family dies here: every refresh reads the user (its claims are fresh too).
        const user = await this.userOrRevoke(grant);
        const scopes = narrowed ?? grant.scopes;
        const nowS = this.nowS();
        const accessToken = await this.accessToken(grant, scopes, nowS);
        // OpenID Connect Core section 12.2: same sub and auth_time as the original, no nonce.
        const idToken = scopes.includes('openid') ? await this.idToken(client, grant, user, scopes, nowS, accessToken, undefined) : undefined;
        return {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: this.deps.config.tokens.accessTokenTtlS,
          scope: scopes.join(' '),
          ...(idToken !== undefined ? { id_token: idToken } : {}),
          refresh_token: rotation.successor,
        };
      }
    }
  }

  /**
   * Reads the grant's user while the code exchange's one write goes out: a round trip fewer
   * (the write waits on no answer the read gives). A user found gone or disabled is refused
   * after all, with the grant just written revoked. An outage on the read fails the request
   * (503) and leaves the write as it is: a spent code is then refused on retry as any replay is.
   */
  private async writeWithUser<T>(grant: GrantFactsWithId, write: () => Promise<T>): Promise<[User, T]> {
    const [user, written] = await Promise.allSettled([this.userOf(grant.subject), write()]);
    if (user.status === 'rejected') {
      if (user.reason instanceof InvalidGrant && written.status === 'fulfilled') await this.deps.grants.revokeGrant(grant.grantId);
      throw user.reason;
    }
    if (written.status === 'rejected') throw written.reason;
    return [user.value, written.value];
  }

  /** The user of a grant written already: one found gone or disabled is refused, with the grant revoked. */
  private async userOrRevoke(grant: GrantFactsWithId): Promise<User> {
    try {
      return await this.userOf(grant.subject);
    } catch (error) {
      if (error instanceof InvalidGrant) await this.deps.grants.revokeGrant(grant.grantId);
      throw error;
    }
  }

  private async clientCredentials(client: OAuthClient, form: URLSearchParams): Promise<TokenResponseBody> {
    if (client.type !== 'confidential' || !client.grantTypes.includes('client_credentials')) {
      throw new UnauthorizedClient('This client may not use client_credentials.');
    }
    // Every scope this provider knows is about a user; a client acting for itself gets none.
    const requested = form.get('scope');
    if (requested !== null && requested.trim() !== '') throw new InvalidScope('No scopes are available to client_credentials.');
    const nowS = this.nowS();
    const { config } = this.deps;
    const claims = accessTokenClaims({
      issuer: config.issuer,
      clientId: client.clientId,
      subject: client.clientId,
      audience: client.clientId,
      scopes: [],
      jti: randomUUID(),
      nowS,
      ttlS: config.tokens.accessTokenTtlS,
    });
    return {
      access_token: await this.deps.signer.sign(claims, ACCESS_TOKEN_TYP),
      token_type: 'Bearer',
      expires_in: config.tokens.accessTokenTtlS,
    };
  }

  private async userOf(subject: string): Promise<User> {
    const user = await this.deps.users.findById(subject);
    if (user === undefined) throw new InvalidGrant('The user of this grant no longer exists.');
    if (isDisabled(user)) throw new InvalidGrant('The user of this grant has been disabled.');
    return user;
  }

  private accessToken(grant: GrantFactsWithId, scopes: readonly string[], nowS: number): Promise<string> {
    const { config } = this.deps;
    const claims = accessTokenClaims({
      issuer: config.issuer,
      clientId: grant.clientId,
      subject: grant.subject,
      audience: userinfoAudience(config.issuer),
      scopes,
      jti: randomUUID(),
      nowS,
      ttlS: config.tokens.accessTokenTtlS,
      authTimeS: grant.authTimeS,
      grantId: grant.grantId,
    });
    return this.deps.signer.sign(claims, ACCESS_TOKEN_TYP);
  }

  /** Signed with the client's registered `id_token_signed_response_alg` (ES256 when it has none). */
  private idToken(client: OAuthClient, grant: GrantFactsWithId, user: User, scopes: readonly string[], nowS: number, accessToken: string, nonce: string | undefined): Promise<string> {
    const { config } = this.deps;
    const claims = idTokenClaims({
      issuer: config.issuer,
      clientId: grant.clientId,
      subject: grant.subject,
      nowS,
      ttlS: config.tokens.idTokenTtlS,
      authTimeS: grant.authTimeS,
      amr: grant.amr,
      ...(grant.sessionId !== undefined ? { sessionId: grant.sessionId } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
      accessToken,
      scopes,
      ...(grant.requestedClaims !== undefined ? { requestedClaims: grant.requestedClaims.idToken } : {}),
      user,
    });
    return this.deps.signer.sign(claims, 'JWT', client.idTokenSignedResponseAlg);
  }

  private nowS(): number {
    return Math.floor(this.deps.clock() / 1000);
  }
}

function tokenResponse(grant: GrantType, body: TokenResponseBody): HttpResponse {
  countTokenIssued(grant);
  // json() already sends no-store; Pragma for HTTP/1.0 caches (RFC 6749 section 5.1).
  return json(200, body, { headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } });
}

