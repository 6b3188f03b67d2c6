/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps know them: HMAC-SHA1, 6 digits,
 * 30-second steps, a secret of 160 random bits (RFC 4226 section 4 recommends at least that).
 * Pure: the time comes in, nothing is stored here (lib/auth/totp-factor.ts records which step
 * was used, so each code works once).
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** RFC 6238 section 5.2: one step either side, for clocks that drift and for typing time. */
export const TOTP_WINDOW_STEPS = 1;
const SECRET_BYTES = 20;
const TOTP_CODE = /^\d{6}$/;

/** A new secret from the CSPRNG, base32 (what authenticator apps take as text). */
export function newTotpSecret(): string {
  // A copy: a small Buffer may be a view into Node's shared pool, and `.buffer` would be the whole pool.
  return new Secret({ buffer: Uint8Array.from(randomBytes(SECRET_BYTES)).buffer }).base32;
}

/** The `otpauth://` URI the QR code carries: the issuer's name and the account, so the app labels the entry. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return totpFor(secret, issuer, account).toString();
}

/** Whether `input` has the shape of a TOTP code (recovery codes do not). */
export function looksLikeTotpCode(input: string): boolean {
  return TOTP_CODE.test(input);
}

/**
 * The time step (counter) whose code `code` is, within one step of `nowMs`, or undefined. The
 * caller must still make sure the step was not used before.
 */
export function matchingTotpStep(secret: string, code: string, nowMs: number): number | undefined {
  if (!looksLikeTotpCode(code)) return undefined;
  const totp = totpFor(secret, '', '');
  const delta = totp.validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW_STEPS });
  return delta === null ? undefined : totp.counter({ timestamp: nowMs }) + delta;
}

/** The code of the step at `nowMs` (tests and the benchmark compute what an authenticator app would show). */
export function totpCodeAt(secret: string, nowMs: number): string {
  return totpFor(secret, '', '').generate({ timestamp: nowMs });
}

function totpFor(secret: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secret) });
}
