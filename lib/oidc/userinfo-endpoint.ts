/**
 * GET/POST /userinfo (OpenID Connect Core section 5.3) for a Bearer access token, sent in the
 * Authorization header (RFC 6750 section 2.1) or as `access_token` in a form-encoded POST body
 * (section 2.2). Never from the query (section 2.3: it ends up in logs and Referer headers), and
 * never two ways at once (section 2: a client MUST NOT): both are invalid_request. Errors are
 * thrown with RFC 6750 section 3 challenges.
 *
 * Released: the claims of the token's scopes, plus what the authorization request's `claims`
 * parameter asked for userinfo (remembered by the grant, read anyway to check the token is live).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { formBody, header, method, queryParams } from '../http/request.js';
import { json, type HttpResponse } from '../http/response.js';
import { isDisabled } from '../auth/user-status.js';
import type { User } from '../auth/user-store.js';
import type { AccessTokens } from './access-tokens.js';
import { InsufficientScope, InvalidRequest, InvalidToken } from './errors.js';
import { userClaims } from './scopes.js';
import { userinfoAudience } from './token-claims.js';

/** RFC 6750 section 3: every refusal challenges for a Bearer token of this realm. */
const CHALLENGE = 'Bearer realm="userinfo"';
/** RFC 6750 section 2.1's b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export interface UserinfoEndpointDeps {
  issuer: string;
  accessTokens: AccessTokens;
  users: { findById(id: string): Promise<User | undefined> };
  /** How the claims are answered (UserinfoResponder); plain JSON when absent. */
  responder?: UserinfoResponder;
}

export class UserinfoEndpoint {
  constructor(private readonly deps: UserinfoEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    if (queryParams(event).has('access_token')) {
      throw new InvalidRequest('Send the access token in the Authorization header or a form POST body, never in the URL.', { wwwAuthenticate: `${CHALLENGE}, error="invalid_request"` });
    }
    const fromHeader = bearerToken(header(event, 'authorization'));
    const fromBody = formBodyToken(event);
    if (fromHeader !== undefined && fromBody !== undefined) {
      throw new InvalidRequest('Send the access token one way only.', { wwwAuthenticate: `${CHALLENGE}, error="invalid_request"` });
    }
    const token = fromHeader !== undefined ? fromHeader : fromBody;
    if (token === undefined) {
      // RFC 6750 section 3.1: no error code when the request carried no credentials.
      throw new InvalidRequest('A Bearer access token is required.', { status: 401, wwwAuthenticate: CHALLENGE });
    }
    if (token === null) throw invalidToken('Malformed access token.');

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
    const claims = { sub: user.id, ...userClaims(user, check.scopes, check.grant?.requestedClaims?.userinfo) };
    return (this.deps.responder ?? plainJson).respond(claims, check.claims.client_id);
  }
}

/**
 * How the claims are answered for a client: plain JSON by default. A client that registered
 * `userinfo_signed_response_alg` gets `application/jwt` instead, through a responder that
 * knows the client's registration and the signing keys (composed in lib/runtime).
 */
export interface UserinfoResponder {
  respond(claims: Record<string, unknown> & { sub: string }, clientId: string): Promise<HttpResponse>;
}

const plainJson: UserinfoResponder = { respond: async (claims) => json(200, claims) };

/**
 * The `access_token` of a form-encoded POST body (RFC 6750 section 2.2); undefined when there is
 * none (another method, another media type, no such field), null when it is malformed.
 */
function formBodyToken(event: APIGatewayProxyEventV2): string | undefined | null {
  if (method(event) !== 'POST') return undefined;
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') return undefined;
  const values = formBody(event).getAll('access_token');
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidRequest('access_token is repeated.', { wwwAuthenticate: `${CHALLENGE}, error="invalid_request"` });
  return B64TOKEN.test(values[0]!) ? values[0]! : null;
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
