/** Who the passkeys are for: the names and the checks every ceremony shares. */
import type { WebAuthnSettings } from '../config.js';

export interface RelyingParty extends WebAuthnSettings {
  /** Shown by some authenticators while creating a passkey. */
  name: string;
}

/** WebAuthn's ceremony timeout, in milliseconds: the challenge's lifetime, so the browser gives up when the server would. */
export function ceremonyTimeoutMs(challengeTtlS: number): number {
  return challengeTtlS * 1000;
}
