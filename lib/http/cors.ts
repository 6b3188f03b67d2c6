/**
 * CORS for the endpoints that browser applications (SPAs, public clients) call from JavaScript:
 * token, userinfo, revocation, JWKS and discovery. None of them reads a cookie, so they answer
 * any origin with `*` and never allow credentials: a page elsewhere can send only what it
 * holds itself (a code and verifier, a Bearer token), never the user's session.
 *
 * Not for pages, /authorize (a browser navigation, not a fetch), /introspect (server to
 * server) or anything that reads a cookie.
 *
 * HTTP API routes are per method, so each of these functions also has an `OPTIONS` route in
 * serverless.yml; the preflight is answered here without touching the endpoint.
 */
import type { HttpHandler } from './handler.js';
import { method } from './request.js';
import { noContent, type HttpResponse } from './response.js';

/** How long a browser may reuse a preflight answer. */
export const CORS_MAX_AGE_S = 600;

/** What a cross-origin script may send besides CORS-safelisted headers. */
export const CORS_ALLOWED_HEADERS = 'authorization, content-type';

export interface CorsPolicy {
  /** The route's methods, e.g. `['GET', 'POST']`; answered in `Access-Control-Allow-Methods`. */
  methods: readonly string[];
  /** Response headers a script may read beyond the safelisted ones, e.g. `WWW-Authenticate`. */
  exposeHeaders?: readonly string[];
}

/** The headers every (non-preflight) answer of a CORS endpoint carries. */
export function corsHeaders(policy: Pick<CorsPolicy, 'exposeHeaders'> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': '*' };
  if (policy.exposeHeaders?.length) headers['Access-Control-Expose-Headers'] = policy.exposeHeaders.join(', ');
  return headers;
}

/** The answer to a preflight (`OPTIONS`): 204 and what may be sent. */
export function preflightResponse(policy: CorsPolicy): HttpResponse {
  return noContent({
    headers: {
      ...corsHeaders(policy),
      'Access-Control-Allow-Methods': policy.methods.join(', '),
      'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
      'Access-Control-Max-Age': String(CORS_MAX_AGE_S),
    },
  });
}

/**
 * `handler` open to cross-origin scripts: `OPTIONS` is the preflight, every other answer
 * (failures included, so a script can read the OAuth error) gets the CORS headers. Wrap
 * outside `api(...)`, so the guard's answers are covered too.
 */
export function withCors(policy: CorsPolicy, handler: HttpHandler): HttpHandler {
  const headers = corsHeaders(policy);
  return async (event, context) => {
    if (method(event) === 'OPTIONS') return preflightResponse(policy);
    const response = await handler(event, context);
    return { ...response, headers: { ...response.headers, ...headers } };
  };
}
