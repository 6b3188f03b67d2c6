/**
 * The OAuth 2.0 and OpenID Connect errors this provider answers with, one class per `error`
 * code (as panva/node-oidc-provider's lib/helpers/errors.js). Endpoints throw them and `api()`
 * renders them as RFC 6749 section 5.2 JSON (lib/http/handler.ts); /authorize sends them to
 * the client's redirect URI instead (authorization-response.ts). The `message` is the
 * `error_description`: written for the client's developer, never carrying secrets.
 */
import { HttpError } from '../http/errors.js';

export interface OAuthErrorOptions {
  /** A challenge for the scheme the caller used or may use (RFC 6750 section 3 for Bearer). */
  wwwAuthenticate?: string;
}

export abstract class OAuthError extends HttpError {
  /** RFC 6749 section 5.2's default; the errors about credentials say otherwise. */
  readonly status: number = 400;

  constructor(description: string, options: OAuthErrorOptions = {}) {
    super(description, options.wwwAuthenticate === undefined ? {} : { headers: { 'WWW-Authenticate': options.wwwAuthenticate } });
  }
}

/** RFC 6749 section 5.2, RFC 6750 section 3.1. */
export class InvalidRequest extends OAuthError {
  readonly code = 'invalid_request';
  override readonly status: 400 | 401;

  /**
   * `status: 401` is for a protected resource asked without any credentials (RFC 6750 section
   * 3.1): the challenge then names no error.
   */
  constructor(description: string, options: OAuthErrorOptions & { status?: 401 } = {}) {
    super(description, options);
    this.status = options.status ?? 400;
  }
}

/** The challenge of every invalid_client, so that the answer does not depend on the method tried. */
const BASIC_CHALLENGE = 'Basic realm="token", charset="UTF-8"';

/** RFC 6749 section 5.2: always 401 with a Basic challenge. */
export class InvalidClient extends OAuthError {
  readonly code = 'invalid_client';
  override readonly status = 401;

  constructor(description: string) {
    super(description, { wwwAuthenticate: BASIC_CHALLENGE });
  }
}

/** RFC 6749 section 5.2: a code, refresh token or grant that is invalid, expired, revoked or someone else's. */
export class InvalidGrant extends OAuthError {
  readonly code = 'invalid_grant';
}

/** RFC 6749 sections 4.1.2.1 and 5.2: the client may not use this grant or flow. */
export class UnauthorizedClient extends OAuthError {
  readonly code = 'unauthorized_client';
}

/** RFC 6749 section 5.2. */
export class UnsupportedGrantType extends OAuthError {
  readonly code = 'unsupported_grant_type';
}

/** RFC 6749 section 4.1.2.1. */
export class UnsupportedResponseType extends OAuthError {
  readonly code = 'unsupported_response_type';
}

/** RFC 6749 sections 4.1.2.1 and 5.2. */
export class InvalidScope extends OAuthError {
  readonly code = 'invalid_scope';
}

/** RFC 6750 section 3.1: 401, with the challenge of the resource that refused the token. */
export class InvalidToken extends OAuthError {
  readonly code = 'invalid_token';
  override readonly status = 401;
}

/** RFC 6750 section 3.1: 403, with a challenge naming the scope that is needed. */
export class InsufficientScope extends OAuthError {
  readonly code = 'insufficient_scope';
  override readonly status = 403;
}

/** OpenID Connect Core section 3.1.2.6: prompt=none, and the user must sign in. */
export class LoginRequired extends OAuthError {
  readonly code = 'login_required';
}

/** OpenID Connect Core section 3.1.2.6: prompt=none, and the user must be asked something (e.g. a second factor). */
export class InteractionRequired extends OAuthError {
  readonly code = 'interaction_required';
}

/** OpenID Connect Core section 3.1.2.6: prompt=none, and the user must be asked for consent first. */
export class ConsentRequired extends OAuthError {
  readonly code = 'consent_required';
}

/** RFC 6749 section 4.1.2.1: the user (or the server) denied the request. */
export class AccessDenied extends OAuthError {
  readonly code = 'access_denied';
}

/** OpenID Connect Core section 3.1.2.6: this provider has no account chooser to show. */
export class AccountSelectionRequired extends OAuthError {
  readonly code = 'account_selection_required';
}

/** OpenID Connect Core section 3.1.2.6: request objects (`request`) are not supported. */
export class RequestNotSupported extends OAuthError {
  readonly code = 'request_not_supported';
}

/** OpenID Connect Core section 3.1.2.6: `request_uri` is not supported. */
export class RequestUriNotSupported extends OAuthError {
  readonly code = 'request_uri_not_supported';
}
