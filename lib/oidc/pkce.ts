/**
 * PKCE (RFC 7636), S256 only: `plain` would hand the verifier to anyone who sees the
 * authorization request, which is the very thing PKCE defends against.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** For discovery (`code_challenge_methods_supported`) and the authorize request rules. */
export const SUPPORTED_CODE_CHALLENGE_METHODS = ['S256'] as const;

/** RFC 7636 section 4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** base64url without padding of a SHA-256 digest: always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

export function isValidCodeChallenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}

/**
 * True when `verifier` hashes to `challenge` under `method`. Any malformed input is simply
 * false: the token endpoint answers `invalid_grant` either way.
 */
export function verifyPkce(verifier: string, challenge: string, method: string): boolean {
  if (method !== 'S256' || !isValidCodeVerifier(verifier) || !isValidCodeChallenge(challenge)) return false;
  // The verifier is ASCII (checked above), so its UTF-8 bytes are the ASCII octets RFC 7636 hashes.
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  // Both are 43 bytes here; comparing in constant time leaks nothing about how close a guess was.
  return timingSafeEqual(computed, Buffer.from(challenge));
}
