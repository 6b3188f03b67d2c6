/**
 * The port for a user's TOTP factor: the confirmed secret, the last time step a code was accepted
 * for, and the recovery codes issued with it. lib/store/totp-directory.ts implements it on the
 * directory table. Every "at most once" here is a conditional write in the store, never a
 * read-then-write in the caller, so it holds across any number of instances.
 */
import type { TotpEnrolmentLookup } from './second-factors.js';

export interface TotpEnrolment {
  userId: string;
  /** The base32 secret, protected under the data-protection purpose `totp`: never stored in plain. */
  protectedSecret: string;
  /** The last time step (RFC 6238 counter) a code was accepted for. */
  lastUsedStep: number;
  enabledAt: string;
}

export interface TotpStore extends TotpEnrolmentLookup {
  find(userId: string): Promise<TotpEnrolment | undefined>;
  /**
   * Stores a confirmed secret together with its recovery codes' hashes. False, writing nothing,
   * when the user already has TOTP (two tabs confirming: exactly one wins).
   */
  activate(enrolment: TotpEnrolment, recoveryCodeHashes: readonly string[]): Promise<boolean>;
  /**
   * Records `step` as used when it is later than the last used one; false otherwise (a replay, or
   * TOTP removed meanwhile). Of concurrent uses of one code exactly one is recorded.
   */
  claimStep(userId: string, step: number): Promise<boolean>;
  /** The hashes of the recovery codes not used yet (one read). */
  recoveryCodeHashes(userId: string): Promise<string[]>;
  /** Removes exactly this hash; false when it is gone (used meanwhile). Of concurrent uses of one code exactly one succeeds. */
  consumeRecoveryCode(userId: string, hash: string): Promise<boolean>;
  /** Replaces every recovery code; false, writing nothing, when the user has no TOTP. */
  replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<boolean>;
  /** Removes the secret and the recovery codes together; false when the user had no TOTP. */
  remove(userId: string): Promise<boolean>;
}
