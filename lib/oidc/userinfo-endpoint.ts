/**
 * GET/POST /userinfo (OpenID Connect Core section 5.3) for a Bearer access token (RFC 6750
 * section 2.1, the Authorization header). Errors are thrown with RFC 6750 section 3 challenges.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from '../http/request.js';
import { json, type HttpResponse } from '../http/response.js';
import { isDisabled } from '../auth/user-status.js';
import type { User } from '../auth/user-store.js';
import type { AccessTokens } from './access-tokens.js';
import { InsufficientScope, InvalidRequest, InvalidToken } from './errors.js';
import { userClaims } from './scopes.js';
import { userinfoAudience } from './token-claims.js';

/** RFC 6750 section 3: every refusal challenges for a Bearer token of this realm. */
const CHALLENGE = 'Bearer realm="userinfo"';

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
      throw new InvalidRequest('A Bearer access token is required.', { status: 401, wwwAuthenticate: CHALLENGE });
    }
    if (token === null) throw invalidToken('Malformed Authorization header.');

    const check = await this.deps.accessTokens.check(token);
    if (!check.active) throw invalidToken(check.reason === 'expired' ? 'The access token expired.' : 'The access token is invalid or revoked.');
    const audience = check.claims.aud;
    const expected = userinfoAudience(this.deps.issuer);
    if (!(audience === expected || (Array.isArray(audience) && audience.includes(expected)))) {
      throw invalidToken('The access token is not meant for userinfo.');
    }
    if (!check.scopes.includes('openid')) {
      throw new InsufficientScope('The access token lacks the openid scope.', {
        wwwAuthenticate: `${CHALLENGE}, error="insufficient_scope", scope="openid"`,
      });
    }
    const user = await this.deps.users.findById(check.claims.sub);
    if (user === undefined || isDisabled(user)) throw invalidToken('The user no longer exists or has been disabled.');
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

function invalidToken(description: string): InvalidToken {
  return new InvalidToken(description, { wwwAuthenticate: `${CHALLENGE}, error="invalid_token"` });
}
