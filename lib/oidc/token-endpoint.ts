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
import type { User } from '../auth/user-store.js';
import { authenticateClient, type ClientLookup } from './client-authentication.js';
import type { OAuthClient } from './client-metadata.js';
import { InvalidGrant, InvalidRequest, InvalidScope, UnauthorizedClient, UnsupportedGrantType } from './errors.js';
import { isUsableGrant, type Grant, type GrantStore } from './grant-store.js';
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
        return tokenResponse(await this.authorizationCode(client, form));
      case 'refresh_token':
        return tokenResponse(await this.refreshToken(client, form));
      case 'client_credentials':
        return tokenResponse(await this.clientCredentials(client, form));
      default:
        throw new UnsupportedGrantType('Supported: authorization_code, refresh_token, client_credentials.');
    }
  }

  private async authorizationCode(client: OAuthClient, form: URLSearchParams): Promise<TokenResponseBody> {
    if (!client.grantTypes.includes('authorization_code')) throw new UnauthorizedClient('This client may not use authorization_code.');
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    const verifier = form.get('code_verifier');
    if (!code) throw new InvalidRequest('code is missing.');
    if (!redirectUri) throw new InvalidRequest('redirect_uri is missing.');
    if (code.length > 128) throw new InvalidGrant('The authorization code is invalid, expired or already used.');

    const redemption = await this.deps.grants.redeemCode(code);
    if (redemption.outcome !== 'redeemed') {
      throw new InvalidGrant('The authorization code is invalid, expired or already used.');
    }
    const issued = redemption.code;
    const refuse = async (description: string): Promise<never> => {
      // The code is spent either way; its pending grant goes with it.
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
    const familyExpiresAtS = withRefresh ? nowS + tokens.refreshTokenTtlS : undefined;
    // The grant outlives its last access token: that is how long revoking it must matter.
    const grantTtlS = withRefresh ? tokens.refreshTokenTtlS + tokens.accessTokenTtlS : tokens.accessTokenTtlS;
    const grant = await this.deps.grants.activateGrant(issued.grantId, grantTtlS, familyExpiresAtS);
    if (grant === undefined) throw new InvalidGrant('The authorization code is invalid, expired or already used.');
    const user = await this.userOf(grant);

    const scopes = withRefresh ? grant.scopes : grant.scopes.filter((scope) => scope !== 'offline_access');
    const accessToken = await this.accessToken(grant, scopes, nowS);
    const idToken = await this.idToken(grant, user, scopes, nowS, accessToken, issued.nonce);
    const refreshToken = familyExpiresAtS === undefined ? undefined : await this.deps.grants.issueRefreshToken(grant, familyExpiresAtS);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: tokens.accessTokenTtlS,
      scope: scopes.join(' '),
      id_token: idToken,
      ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    };
  }

  private async refreshToken(client: OAuthClient, form: URLSearchParams): Promise<TokenResponseBody> {
    if (!client.grantTypes.includes('refresh_token')) throw new UnauthorizedClient('This client may not use refresh_token.');
    const token = form.get('refresh_token');
    if (!token) throw new InvalidRequest('refresh_token is missing.');
    if (token.length > 128) throw new InvalidGrant('The refresh token is invalid or expired.');
    const requested = form.get('scope');
    const narrowed = requested === null ? undefined : parseScope(requested);
    if (requested !== null && narrowed === undefined) throw new InvalidScope('scope is malformed.');

    // The token is spent last: a request refused or failing before that leaves it usable, so
    // the client's retry is not mistaken for reuse (which would revoke the whole family).
    const current = await this.deps.grants.refreshToken(token);
    if (current === undefined || current.clientId !== client.clientId) throw new InvalidGrant('The refresh token is invalid or expired.');
    const issued = current.status === 'active' ? await this.refreshedTokens(client, current.grantId, narrowed) : undefined;
    // An already-rotated token issues nothing (issued is undefined); the store revokes its family.
    const rotation = await this.deps.grants.rotateRefreshToken(token, current, issued?.familyExpiresAtS ?? 0);
    if (rotation.outcome === 'expired') throw new InvalidGrant('The refresh token has expired.');
    if (rotation.outcome === 'reused' || issued === undefined) {
      throw new InvalidGrant('The refresh token was already used; every token of this sign-in has been revoked.');
    }
    return { ...issued.body, refresh_token: rotation.successor };
  }

  /** The access (and ID) token a refresh of the grant answers with; nothing is spent here. */
  private async refreshedTokens(client: OAuthClient, grantId: string, narrowed: string[] | undefined) {
    const grant = await this.deps.grants.grant(grantId);
    if (!isUsableGrant(grant) || grant.clientId !== client.clientId || grant.familyExpiresAtS === undefined) {
      throw new InvalidGrant('The refresh token has been revoked or expired.');
    }
    if (narrowed?.some((scope) => !grant.scopes.includes(scope))) {
      throw new InvalidScope('A refreshed token can only have scopes the user granted.');
    }
    const scopes = narrowed ?? grant.scopes;
    const user = await this.userOf(grant);
    const nowS = this.nowS();
    const accessToken = await this.accessToken(grant, scopes, nowS);
    // OpenID Connect Core section 12.2: same sub and auth_time as the original, no nonce.
    const idToken = scopes.includes('openid') ? await this.idToken(grant, user, scopes, nowS, accessToken, undefined) : undefined;
    const body: Omit<TokenResponseBody, 'refresh_token'> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.deps.config.tokens.accessTokenTtlS,
      scope: scopes.join(' '),
      ...(idToken !== undefined ? { id_token: idToken } : {}),
    };
    return { grant, familyExpiresAtS: grant.familyExpiresAtS, body };
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

  private async userOf(grant: Grant): Promise<User> {
    const user = await this.deps.users.findById(grant.subject);
    if (user === undefined) throw new InvalidGrant('The user of this grant no longer exists.');
    return user;
  }

  private accessToken(grant: Grant, scopes: readonly string[], nowS: number): Promise<string> {
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

  private idToken(grant: Grant, user: User, scopes: readonly string[], nowS: number, accessToken: string, nonce: string | undefined): Promise<string> {
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
      user,
    });
    return this.deps.signer.sign(claims, 'JWT');
  }

  private nowS(): number {
    return Math.floor(this.deps.clock() / 1000);
  }
}

function tokenResponse(body: TokenResponseBody): HttpResponse {
  // json() already sends no-store; Pragma for HTTP/1.0 caches (RFC 6749 section 5.1).
  return json(200, body, { headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } });
}

