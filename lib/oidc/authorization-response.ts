/**
 * The redirect back to the client (RFC 6749 sections 4.1.2 and 4.1.2.1), always with `iss`
 * (RFC 9207) so a client talking to several providers can tell which one answered.
 */
import type { OAuthError } from './errors.js';

/**
 * Every parameter an authorization (or post-logout) response may add to a redirect URI.
 * Registration refuses a URI whose query already names one (client-metadata.ts): the client
 * would get it twice, and which one it reads would be up to its parser.
 */
export const RESPONSE_PARAMETERS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'] as const;
export type ResponseParameter = (typeof RESPONSE_PARAMETERS)[number];

/**
 * `redirectUri` with `params` appended to its query. The registered URI may carry a query of its
 * own, which RFC 6749 section 3.1.2 says must be retained: it is kept character for character
 * (a URL parser would re-encode it, `a%20b` to `a+b` and `flag` to `flag=`), because the client
 * sends the same string back to /token and may compare its callback against it. Registered URIs
 * have no fragment (client-metadata.ts), so the end of the string is the end of the query.
 */
export function authorizationResponseUrl(redirectUri: string, params: Partial<Record<ResponseParameter, string>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) query.append(name, value);
  }
  if (query.size === 0) return redirectUri;
  const separator = !redirectUri.includes('?') ? '?' : /[?&]$/.test(redirectUri) ? '' : '&';
  return `${redirectUri}${separator}${query}`;
}

export function codeResponseUrl(input: { redirectUri: string; code: string; state?: string; issuer: string }): string {
  return authorizationResponseUrl(input.redirectUri, { code: input.code, state: input.state, iss: input.issuer });
}

export function errorResponseUrl(input: { redirectUri: string; error: OAuthError; state?: string; issuer: string }): string {
  return authorizationResponseUrl(input.redirectUri, {
    error: input.error.error,
    error_description: input.error.description,
    state: input.state,
    iss: input.issuer,
  });
}
