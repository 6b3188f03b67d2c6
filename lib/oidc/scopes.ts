/**
 * The scopes this provider understands and the user claims each one releases
 * (OpenID Connect Core section 5.4).
 */
import { PROFILE_CLAIM_NAMES } from '../auth/profile-claims.js';
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
  profile: ['name', ...PROFILE_CLAIM_NAMES, 'updated_at'],
  email: ['email', 'email_verified'],
};

/**
 * The scopes that release any of `claims`: what a `claims` request (claims-request.ts) for those
 * claims needs from the client's allowed scopes and the user's consent.
 */
export function scopesOfClaims(claims: readonly string[]): Array<keyof typeof SCOPE_CLAIMS> {
  return (Object.keys(SCOPE_CLAIMS) as Array<keyof typeof SCOPE_CLAIMS>).filter((scope) => SCOPE_CLAIMS[scope].some((claim) => claims.includes(claim)));
}

export type ClaimsUser = Pick<User, 'email' | 'name' | 'emailVerified' | 'profile' | 'profileUpdatedAt' | 'createdAt'>;

/**
 * The user claims (beyond `sub`) that `scopes` release, plus the individual claims `requested`
 * (a `claims` request the client was allowed to make), from the current directory record. A
 * claim the user does not have is left out.
 */
export function userClaims(user: ClaimsUser, scopes: readonly string[], requested: readonly string[] = []): Record<string, unknown> {
  const released = new Set([...scopes.flatMap((scope) => SCOPE_CLAIMS[scope as keyof typeof SCOPE_CLAIMS] ?? []), ...requested]);
  const claims: Record<string, unknown> = {};
  if (released.has('name')) claims.name = user.name;
  for (const name of PROFILE_CLAIM_NAMES) {
    const value = user.profile?.[name];
    if (released.has(name) && value !== undefined) claims[name] = value;
  }
  if (released.has('updated_at')) {
    // Section 5.1: seconds since the epoch of the last change to the user's information.
    const updatedAtS = Math.floor(Date.parse(user.profileUpdatedAt ?? user.createdAt) / 1000);
    if (Number.isFinite(updatedAtS)) claims.updated_at = updatedAtS;
  }
  if (released.has('email')) claims.email = user.email;
  if (released.has('email_verified')) claims.email_verified = user.emailVerified;
  return claims;
}
