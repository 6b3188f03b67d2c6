/**
 * The scopes this provider understands and the user claims each one releases
 * (OpenID Connect Core section 5.4).
 */
import type { User } from '../auth/user-store.js';

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
export type Scope = (typeof SUPPORTED_SCOPES)[number];

/** RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The distinct scope tokens of a `scope` parameter, in order of first appearance, or undefined
 * when the value is not a well-formed scope list.
 */
export function parseScope(value: string): string[] | undefined {
  const tokens = value.split(' ').filter((token) => token !== '');
  if (tokens.length === 0 || !tokens.every((token) => SCOPE_TOKEN.test(token))) return undefined;
  return [...new Set(tokens)];
}

export function isSupportedScope(scope: string): scope is Scope {
  return (SUPPORTED_SCOPES as readonly string[]).includes(scope);
}

/** Claims released per scope; `sub` always. */
export const SCOPE_CLAIMS: Record<'profile' | 'email', readonly string[]> = {
  profile: ['name'],
  email: ['email', 'email_verified'],
};

/** The user claims (beyond `sub`) that `scopes` release, from the current directory record. */
export function userClaims(user: Pick<User, 'email' | 'name' | 'emailVerified'>, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scopes.includes('profile')) claims.name = user.name;
  if (scopes.includes('email')) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  return claims;
}
