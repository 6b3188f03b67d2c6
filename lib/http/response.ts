/**
 * Response builders for HTTP API (payload 2.0). Every builder adds the security headers, and
 * everything except explicitly cacheable JSON is `no-store`: pages carry antiforgery tokens and
 * OAuth answers carry codes and tokens (RFC 6749 section 5.1).
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { renderErrorPage } from './error-page.js';
import type { SafeHtml } from './html.js';
import { securityHeaders, type SecurityHeaderOptions } from './security-headers.js';

export type HttpResponse = APIGatewayProxyStructuredResultV2;

export interface ResponseOptions {
  /** Added last, so they override the defaults (e.g. `Cache-Control` for discovery documents). */
  headers?: Record<string, string>;
  /** Serialized `Set-Cookie` values (see `lib/session/cookies.ts`). */
  cookies?: readonly string[];
}

export interface HtmlResponseOptions extends ResponseOptions, SecurityHeaderOptions {}

const NO_STORE = 'no-store';

function respond(
  statusCode: number,
  headers: Record<string, string>,
  body: string,
  options: ResponseOptions,
  security: SecurityHeaderOptions = {},
): HttpResponse {
  const response: HttpResponse = {
    statusCode,
    headers: { ...securityHeaders(security), 'Cache-Control': NO_STORE, ...headers, ...options.headers },
    body,
  };
  if (options.cookies?.length) response.cookies = [...options.cookies];
  return response;
}

export function json(status: number, body: unknown, options: ResponseOptions = {}): HttpResponse {
  return respond(status, { 'Content-Type': 'application/json' }, JSON.stringify(body), options);
}

/** Takes SafeHtml only, so a page cannot be built from an unescaped string by accident. */
export function html(status: number, body: SafeHtml, options: HtmlResponseOptions = {}): HttpResponse {
  const { formActionOrigins, ...rest } = options;
  const security = formActionOrigins ? { formActionOrigins } : {};
  return respond(status, { 'Content-Type': 'text/html; charset=utf-8' }, body.toString(), rest, security);
}

/** 204 without a body, e.g. the answer to a CORS preflight (lib/http/cors.ts). */
export function noContent(options: ResponseOptions = {}): HttpResponse {
  return respond(204, {}, '', options);
}

export interface RedirectOptions {
  /** 303 after a POST that must become a GET; 302 where OAuth expects it (authorization responses). */
  status?: 302 | 303;
  cookies?: readonly string[];
}

export function redirect(location: string, options: RedirectOptions = {}): HttpResponse {
  // A control character in Location would split or corrupt the header.
  if (/[\x00-\x1f\x7f]/.test(location)) throw new TypeError('redirect location contains control characters');
  return respond(options.status ?? 302, { Location: location }, '', { cookies: options.cookies ?? [] });
}

/** RFC 6749 section 5.2, RFC 6750 section 3.1 and OpenID Connect Core section 3.1.2.6 codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'interaction_required'
  | 'login_required'
  | 'consent_required'
  | 'account_selection_required'
  | 'invalid_request_uri'
  | 'invalid_request_object'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported';

export interface OAuthErrorOptions {
  /** e.g. `Basic realm="token"` on a 401 `invalid_client` (RFC 6749 section 5.2). */
  wwwAuthenticate?: string;
}

export function oauthError(
  status: number,
  error: OAuthErrorCode,
  description?: string,
  options: OAuthErrorOptions = {},
): HttpResponse {
  const body: { error: OAuthErrorCode; error_description?: string } = { error };
  if (description !== undefined) body.error_description = toErrorDescriptionCharset(description);
  const headers: Record<string, string> = {};
  if (options.wwwAuthenticate !== undefined) {
    if (/[\x00-\x1f\x7f]/.test(options.wwwAuthenticate)) {
      throw new TypeError('WWW-Authenticate value contains control characters');
    }
    headers['WWW-Authenticate'] = options.wwwAuthenticate;
  }
  return json(status, body, { headers });
}

/**
 * RFC 6749 limits `error_description` to printable ASCII without `"` and `\`; strict clients
 * reject anything else, so replace rather than fail while answering an error.
 */
function toErrorDescriptionCharset(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
}

/**
 * 503 for a dependency outage. The JSON variant uses the OAuth code clients already know;
 * the page variant tells a person to try again shortly.
 */
export function serviceUnavailable(retryAfterSeconds: number, format: 'json' | 'html' = 'json'): HttpResponse {
  // Retry-After takes whole, non-negative seconds; at least 1 so clients do not hammer us.
  const headers = { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) };
  if (format === 'json') {
    return json(503, { error: 'temporarily_unavailable', error_description: 'Please try again shortly.' }, { headers });
  }
  const page = renderErrorPage({
    title: 'Temporarily unavailable',
    message: 'The service is busy or briefly unavailable. Please wait a moment and try again.',
  });
  return html(503, page, { headers });
}
