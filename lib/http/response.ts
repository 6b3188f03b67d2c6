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

/** A compact JWS as the whole body (`application/jwt`, e.g. a signed userinfo response). */
export function compactJwt(status: number, token: string, options: ResponseOptions = {}): HttpResponse {
  return respond(status, { 'Content-Type': 'application/jwt' }, token, options);
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

/** The response with `cookies` set before its own (a later `Set-Cookie` for the same name wins). */
export function withCookies(response: HttpResponse, cookies: readonly string[]): HttpResponse {
  if (cookies.length === 0) return response;
  return { ...response, cookies: [...cookies, ...(response.cookies ?? [])] };
}
