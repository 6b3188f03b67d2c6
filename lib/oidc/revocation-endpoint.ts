/**
 * POST /revoke (RFC 7009). The client authenticates; a refresh token revokes its whole grant
 * (the family and the access tokens from it, section 2.1's SHOULD), an access token is revoked
 * on its own. Anything unknown, expired or belonging to another client is answered 200 like a
 * success: the caller learns nothing about tokens it does not hold.
 */
import { repeatedNames } from '../http/request.js';
import { json, oauthError, type HttpResponse } from '../http/response.js';
import { looksLikeJwt, type AccessTokens } from './access-tokens.js';
import { authenticateClient, BASIC_CHALLENGE, type ClientLookup } from './client-authentication.js';
import type { GrantStore } from './grant-store.js';

export interface RevocationEndpointDeps {
  clients: ClientLookup;
  grants: GrantStore;
  accessTokens: AccessTokens;
}

export class RevocationEndpoint {
  constructor(private readonly deps: RevocationEndpointDeps) {}

  async handle(authorization: string | undefined, form: URLSearchParams): Promise<HttpResponse> {
    const repeated = repeatedNames(form);
    if (repeated.length > 0) return oauthError(400, 'invalid_request', `Parameter repeated: ${repeated.join(', ')}.`);
    const auth = await authenticateClient(this.deps.clients, authorization, form);
    if (!auth.ok) return clientAuthError(auth.failure);
    const token = form.get('token');
    if (!token) return oauthError(400, 'invalid_request', 'token is missing.');
    const clientId = auth.client.clientId;

    if (looksLikeJwt(token)) {
      const claims = await this.deps.accessTokens.verifiedClaims(token);
      if (claims !== undefined && claims.client_id === clientId) await this.deps.grants.revokeAccessToken(claims.jti, claims.exp);
    } else if (token.length <= 128) {
      const record = await this.deps.grants.refreshToken(token);
      if (record !== undefined && record.clientId === clientId) await this.deps.grants.revokeGrant(record.grantId);
    }
    return json(200, {});
  }
}

export function clientAuthError(failure: { status: 400 | 401; error: 'invalid_client' | 'invalid_request'; description: string }): HttpResponse {
  return failure.status === 401
    ? oauthError(401, failure.error, failure.description, { wwwAuthenticate: BASIC_CHALLENGE })
    : oauthError(400, failure.error, failure.description);
}
