/**
 * The redirect back to the client (RFC 6749 sections 4.1.2 and 4.1.2.1), always with `iss`
 * (RFC 9207) so a client talking to several providers can tell which one answered.
 */
import type { OAuthError } from './errors.js';

/**
 * `redirectUri` with `params` added to its query. The registered URI may carry a query of its
 * own (RFC 6749 section 3.1.2 allows it); that query is kept.
 */
export function authorizationResponseUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
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
