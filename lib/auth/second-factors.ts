/**
 * Whether a user has a second factor, and the proof of one: the questions the sign-in gate, the
 * step-up at /authorize, the account page and the removal of the last passkey ask, answered
 * without each of them knowing where TOTP secrets, recovery codes or passkeys are kept.
 *
 * A second factor is an active TOTP secret or any passkey (a passkey signs in with user
 * verification on its own, so a user who has one is never left with only a password to prove).
 */
import type { AttemptOrigin } from './attempt-scopes.js';

export interface SecondFactorLookup {
  /** True when the user has an active (confirmed) TOTP secret or at least one passkey. */
  has(userId: string): Promise<boolean>;
}

/** What a sign-in needs to know of a user's second factors, when it read them with the user (lib/auth/account-lookup.ts). */
export interface SecondFactorSummary {
  /** An active TOTP secret. */
  totp: boolean;
  passkeys: number;
}

/** The rule of SecondFactorLookup.has, over a summary already read. */
export function hasSecondFactor(summary: SecondFactorSummary): boolean {
  return summary.totp || summary.passkeys > 0;
}

/** Which second-factor codes the user can type: the gate's page and the account page show what applies. */
export interface TypedSecondFactors {
  /** An active TOTP secret. */
  totp: boolean;
  /** Recovery codes not used yet. */
  recoveryCodesLeft: number;
}

/** How a typed second-factor code was accepted. */
export type SecondFactorKind = 'totp' | 'recovery-code';

export type SecondFactorCheck =
  | { ok: true; kind: SecondFactorKind }
  /** Wrong, replayed or already used. */
  | { ok: false; reason: 'invalid' }
  /** The account's code budget is spent for now: nothing was compared. */
  | { ok: false; reason: 'throttled'; retryAfterS: number };

/**
 * Checks a code the user typed (a current TOTP code or an unused recovery code) and consumes it:
 * a TOTP time step or a recovery code is accepted at most once, on any instance. Used by the
 * second step of sign-in and by every change that must be confirmed with the second factor itself
 * (disabling TOTP, removing the last passkey), not only with a recent sign-in, which a mailbox
 * alone can produce.
 */
export interface SecondFactorCodes {
  /** `email` and `origin` name the per-account budget the guess counts in (the same as mailed codes'). */
  verify(input: { userId: string; email: string; code: string; origin: AttemptOrigin }): Promise<SecondFactorCheck>;
}

/** What the passkey store answers that matters here (lib/auth/passkey-store.ts `listFor`). */
export interface PasskeyListing {
  listFor(userId: string): Promise<readonly unknown[]>;
}

/** What the TOTP store answers that matters here. */
export interface TotpEnrolmentLookup {
  isActive(userId: string): Promise<boolean>;
}

/** TOTP first (one GetItem on the user's TOTP item), passkeys only when there is none. */
export class StoredSecondFactors implements SecondFactorLookup {
  constructor(private readonly sources: { totp: TotpEnrolmentLookup; passkeys?: PasskeyListing }) {}

  async has(userId: string): Promise<boolean> {
    if (await this.sources.totp.isActive(userId)) return true;
    return ((await this.sources.passkeys?.listFor(userId)) ?? []).length > 0;
  }
}

/** What an operator's reset removes: the TOTP factor (with its recovery codes) and every passkey. */
export interface SecondFactorStores {
  totp: { remove(userId: string): Promise<boolean> };
  passkeys: { listFor(userId: string): Promise<readonly { id: string }[]>; remove(userId: string, credentialId: string): Promise<boolean> };
}

/**
 * Removes every second factor of a user (`npm run users -- reset-mfa`, after an out-of-band
 * check that the person is the owner). Returns what was removed; running it twice is harmless.
 */
export async function removeSecondFactors(userId: string, stores: SecondFactorStores): Promise<{ totp: boolean; passkeys: number }> {
  const [totp, passkeys] = await Promise.all([stores.totp.remove(userId), stores.passkeys.listFor(userId)]);
  const removed = await Promise.all(passkeys.map((passkey) => stores.passkeys.remove(userId, passkey.id)));
  return { totp, passkeys: removed.filter(Boolean).length };
}
