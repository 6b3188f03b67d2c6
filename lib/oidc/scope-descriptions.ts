/**
 * What each scope lets a client do, in the words the consent page shows a person (OpenID
 * Connect Core section 5.4 for the claims, section 11 for offline access).
 */
import type { Scope } from './scopes.js';

const DESCRIPTIONS: Record<Scope, string> = {
  openid: 'Sign you in with your account and know it is you',
  profile: 'See your name and profile details (such as your username, language and time zone)',
  email: 'See your email address and whether it is verified',
  offline_access: 'Keep access to this information when you are not using it, until you take that access back',
};

/** One sentence per known scope, in the order asked; a scope this provider does not know has no sentence (validation refused it already). */
export function scopeDescriptions(scopes: readonly string[]): string[] {
  return scopes.filter((scope): scope is Scope => scope in DESCRIPTIONS).map((scope) => DESCRIPTIONS[scope]);
}
