/**
 * POST /introspect (RFC 7662). The client authenticates and may introspect the tokens issued
 * to it; everything else (invalid, expired, revoked, another client's, a deleted or disabled
 * user's) is `{ "active": false }`. A user's token costs one more read, of the user: disabling
 * revokes the user's grants too, but through an eventually consistent list (grant-store.ts).
 */
import { json, type HttpResponse } from '../http/response.js';
import { isDisabled } from '../auth/user-status.js';
import type { User } from '../auth/user-store.js';
import { looksLikeJwt, type AccessTokens } from './access-tokens.js';
import type { ClientLookup } from './client-authentication.js';
import { readClientTokenRequest } from './client-token-request.js';
import { isUsableGrant, type GrantStore } from './grant-store.js';

export interface IntrospectionEndpointDeps {
  issuer: string;
  clients: ClientLookup;
  grants: GrantStore;
  accessTokens: AccessTokens;
  users: { findById(id: string): Promise<User | undefined> };
}

const INACTIVE = { active: false } as const;

export class IntrospectionEndpoint {
  constructor(private readonly deps: IntrospectionEndpointDeps) {}

  async handle(authorization: string | undefined, form: URLSearchParams): Promise<HttpResponse> {
    const { token, client } = await readClientTokenRequest(this.deps.clients, authorization, form);
    const body = looksLikeJwt(token) ? await this.accessToken(token, client.clientId) : await this.refreshToken(token, client.clientId);
    return json(200, body);
  }

  private async accessToken(token: string, clientId: string): Promise<Record<string, unknown>> {
    const check = await this.deps.accessTokens.check(token);
    if (!check.active || check.claims.client_id !== clientId) return INACTIVE;
    const { claims } = check;
    // Only a token from a user's grant has a user (client_credentials tokens are the client's own).
    if (claims.gid !== undefined && !(await this.isActiveUser(claims.sub))) return INACTIVE;
    return {
      active: true,
      // RFC 7662 section 2.2: the token type of RFC 6749 section 5.1, as the token response said.
      token_type: 'Bearer',
      ...(claims.scope !== undefined ? { scope: claims.scope } : {}),
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
    };
  }

  private async refreshToken(token: string, clientId: string): Promise<Record<string, unknown>> {
    if (token.length > 128) return INACTIVE;
    const record = await this.deps.grants.refreshToken(token);
    if (record === undefined || record.status !== 'active' || record.clientId !== clientId) return INACTIVE;
    const grant = await this.deps.grants.grant(record.grantId);
    if (!isUsableGrant(grant) || !(await this.isActiveUser(grant.subject))) return INACTIVE;
    return {
      active: true,
      scope: grant.scopes.join(' '),
      client_id: grant.clientId,
      sub: grant.subject,
      iss: this.deps.issuer,
      exp: record.ttl,
    };
  }

  private async isActiveUser(userId: string): Promise<boolean> {
    const user = await this.deps.users.findById(userId);
    return user !== undefined && !isDisabled(user);
  }
}
