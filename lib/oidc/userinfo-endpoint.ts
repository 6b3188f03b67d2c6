/**
 * GET/POST /userinfo (OpenID Connect Core section 5.3) for a Bearer access token (RFC 6750
 * section 2.1, the Authorization header). Errors are RFC 6750 section 3 challenges.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from '../http/request.js';
import { json, oauthError, type HttpResponse } from '../http/response.js';
import type { User } from '../auth/user-store.js';
import type { AccessTokens } from './access-tokens.js';
import { userClaims } from './scopes.js';
import { userinfoAudience } from './token-claims.js';

const REALM = 'userinfo';

export interface UserinfoEndpointDeps {
  issuer: string;
  accessTokens: AccessTokens;
  users: { findById(id: string): Promise<User | undefined> };
}

export class UserinfoEndpoint {
  constructor(private readonly deps: UserinfoEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const token = bearerToken(header(event, 'authorization'));
    if (token === undefined) {
      // RFC 6750 section 3.1: no error code when the request carried no credentials.
      return oauthError(401, 'invalid_request', 'A Bearer access token is required.', { wwwAuthenticate: `Bearer realm="${REALM}"` });
    }
    if (token === null) return invalidToken('Malformed Authorization header.');

    const check = await this.deps.accessTokens.check(token);
    if (!check.active) return invalidToken(check.reason === 'expired' ? 'The access token expired.' : 'The access token is invalid or revoked.');
    const audience = check.claims.aud;
    const expected = userinfoAudience(this.deps.issuer);
    if (!(audience === expected || (Array.isArray(audience) && audience.includes(expected)))) {
      return invalidToken('The access token is not meant for userinfo.');
    }
    if (!check.scopes.includes('openid')) {
      return oauthError(403, 'insufficient_scope', 'The access token lacks the openid scope.', {
        wwwAuthenticate: `Bearer realm="${REALM}", error="insufficient_scope", scope="openid"`,
      });
    }
    const user = await this.deps.users.findById(check.claims.sub);
    if (user === undefined) return invalidToken('The user no longer exists.');
    return json(200, { sub: user.id, ...userClaims(user, check.scopes) });
  }
}

/**
 * The token; undefined when there is no Bearer credential at all (no header, or another scheme,
 * which RFC 6750 section 3.1 answers without an error code); null when it is a malformed Bearer one.
 */
export function bearerToken(authorization: string | undefined): string | undefined | null {
  if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization.trim())) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization.trim());
  return match?.[1] ?? null;
}

function invalidToken(description: string): HttpResponse {
  return oauthError(401, 'invalid_token', description, { wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_token"` });
}
