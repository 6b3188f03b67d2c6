/**
 * The two authentication context classes (`acr`) this provider issues, listed in discovery's
 * `acr_values_supported`, and how they follow from the session's `amr` (RFC 8176):
 *
 *   urn:identity:acr:1fa   any sign-in: a password, an emailed code, a passkey without user
 *                          verification (one factor).
 *   urn:identity:acr:mfa   more than one factor, or a phishing-resistant one that is two in one:
 *                          a first factor plus a TOTP or recovery code, or a user-verified
 *                          passkey (the session's `amr` carries `mfa`).
 *
 * The classes are ordered (mfa satisfies everything 1fa does), and a token names the highest the
 * session satisfies: never more, since it is computed from the `amr` the sign-in recorded.
 * Pure: no I/O.
 */
import type { AuthMethod } from '../session/sessions.js';

export const ACR_ONE_FACTOR = 'urn:identity:acr:1fa';
export const ACR_MULTI_FACTOR = 'urn:identity:acr:mfa';
/** Lowest first. */
export const ACR_VALUES_SUPPORTED = [ACR_ONE_FACTOR, ACR_MULTI_FACTOR] as const;
export type Acr = (typeof ACR_VALUES_SUPPORTED)[number];

/** The highest class a session with these methods satisfies. */
export function acrOf(amr: readonly string[]): Acr {
  return amr.includes('mfa' satisfies AuthMethod) ? ACR_MULTI_FACTOR : ACR_ONE_FACTOR;
}

export function isSupportedAcr(value: string): value is Acr {
  return (ACR_VALUES_SUPPORTED as readonly string[]).includes(value);
}

/** Whether a session with these methods satisfies `acr`. */
export function satisfiesAcr(amr: readonly string[], acr: Acr): boolean {
  return ACR_VALUES_SUPPORTED.indexOf(acrOf(amr)) >= ACR_VALUES_SUPPORTED.indexOf(acr);
}
