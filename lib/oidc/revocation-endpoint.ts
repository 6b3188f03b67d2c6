/**
 * POST /revoke (RFC 7009). The client authenticates; a refresh token revokes its whole grant
 * (the family and the access tokens from it, section 2.1's SHOULD), an access token is revoked
 * on its own. Anything unknown, expired or belonging to another client is answered 200 like a
 * success: the caller learns nothing about tokens it does not hold.
 */
import { json, type HttpResponse } from '../http/response.js';
import { looksLikeJwt, type AccessTokens } from './access-tokens.js';
import type { ClientLookup } from './client-authentication.js';
import { readClientTokenRequest } from './client-token-request.js';
import type { GrantStore } from './grant-store.js';

export interface RevocationEndpointDeps {
  clients: ClientLookup;
  grants: GrantStore;
  accessTokens: AccessTokens;
}

export class RevocationEndpoint {
  constructor(private readonly deps: RevocationEndpointDeps) {}

  async handle(authorization: string | undefined, form: URLSearchParams): Promise<HttpResponse> {
    const { token, client } = await readClientTokenRequest(this.deps.clients, authorization, form);
    const clientId = client.clientId;

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
