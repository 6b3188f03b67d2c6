/**
 * The TOTP second factor of one user: confirming a new secret (with its recovery codes), checking
 * a typed code (a TOTP code or a recovery code) so that each works once, replacing the recovery
 * codes, and removing it all.
 *
 * Guesses count in the per-account budget of mailed codes (LoginThrottle of kind `code`): a
 * second step is a code like those, and an attacker who holds the password gets no extra
 * guesses by switching between them. The place of a correct code is given back; a replayed one
 * (right digits, step already used) keeps its place like any wrong guess.
 *
 * The secret is stored protected under the purpose `totp` together with the user id, so an item
 * copied to another user, or altered, does not unprotect: the check answers `invalid`.
 */
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { UnprotectError } from '../dataprotection/unprotect-error.js';
import type { AttemptOrigin } from './attempt-scopes.js';
import type { KeyedHasher } from './keyed-hasher.js';
import type { LoginThrottle } from './login-throttle.js';
import { newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';
import type { SecondFactorCheck, SecondFactorCodes, TypedSecondFactors } from './second-factors.js';
import { looksLikeTotpCode, matchingTotpStep } from './totp.js';
import type { TotpStore } from './totp-store.js';

export const TOTP_PURPOSE = 'totp';

/** The protected JSON: the secret, bound to its user. */
interface ProtectedTotpSecret {
  sub: string;
  secret: string;
}

export type TotpActivation = { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'invalid' | 'already-active' };

export interface TotpFactorDeps {
  store: TotpStore;
  /** The application's root protector; the purpose `totp` is added here. */
  protector: DataProtector;
  /** The keyed hash of recovery codes (lib/auth/recovery-codes.ts says why not argon2). */
  recoveryHasher: KeyedHasher;
  throttle: Pick<LoginThrottle, 'begin' | 'giveBack'>;
  clock: Clock;
}

export class TotpFactor implements SecondFactorCodes {
  private readonly protector: DataProtector;

  constructor(private readonly deps: TotpFactorDeps) {
    this.protector = deps.protector.forPurpose(TOTP_PURPOSE);
  }

  /** Protects a secret for `userId` (also what a pending enrolment keeps). */
  async protectSecret(userId: string, secret: string): Promise<string> {
    return this.protector.protectJson({ sub: userId, secret } satisfies ProtectedTotpSecret);
  }

  /** The secret, or undefined when the payload is not one made for this user (tampered, moved, under a revoked key). */
  async unprotectSecret(userId: string, payload: string): Promise<string | undefined> {
    let value: unknown;
    try {
      value = await this.protector.unprotectJson<unknown>(payload);
    } catch (error) {
      if (error instanceof UnprotectError) return undefined;
      throw error;
    }
    const stored = value as Partial<ProtectedTotpSecret> | null;
    return typeof stored === 'object' && stored !== null && stored.sub === userId && typeof stored.secret === 'string' ? stored.secret : undefined;
  }

  /**
   * Makes `secret` the user's TOTP once `code` proves the app has it; the code's step counts as
   * used. Returns the new recovery codes, to be shown once.
   */
  async activate(userId: string, secret: string, code: string): Promise<TotpActivation> {
    const step = matchingTotpStep(secret, code.replace(/\s/g, ''), this.deps.clock());
    if (step === undefined) return { ok: false, reason: 'invalid' };
    const recoveryCodes = newRecoveryCodes();
    const enrolment = { userId, protectedSecret: await this.protectSecret(userId, secret), lastUsedStep: step, enabledAt: this.nowIso() };
    const stored = await this.deps.store.activate(enrolment, await this.hashAll(recoveryCodes));
    return stored ? { ok: true, recoveryCodes } : { ok: false, reason: 'already-active' };
  }

  async verify(input: { userId: string; email: string; code: string; origin: AttemptOrigin }): Promise<SecondFactorCheck> {
    const started = await this.deps.throttle.begin(input.email, input.origin);
    if (!started.allowed) return { ok: false, reason: 'throttled', retryAfterS: started.retryAfterS };
    let kind: SecondFactorCheck;
    try {
      kind = await this.check(input.userId, input.code.replace(/\s/g, ''));
    } catch (error) {
      // An outage is nobody's wrong guess; best effort, the cache may be down too.
      await this.deps.throttle.giveBack(started.attempt).catch(() => undefined);
      throw error;
    }
    if (kind.ok) await this.deps.throttle.giveBack(started.attempt).catch(() => undefined);
    return kind;
  }

  /** What the user can type (pages say "enter the code from your app" or only "a recovery code"). */
  async typed(userId: string): Promise<TypedSecondFactors> {
    const [totp, hashes] = await Promise.all([this.deps.store.isActive(userId), this.deps.store.recoveryCodeHashes(userId)]);
    return { totp, recoveryCodesLeft: hashes.length };
  }

  /** New recovery codes replacing all the old ones; undefined when the user has no TOTP. */
  async regenerateRecoveryCodes(userId: string): Promise<string[] | undefined> {
    const codes = newRecoveryCodes();
    return (await this.deps.store.replaceRecoveryCodes(userId, await this.hashAll(codes))) ? codes : undefined;
  }

  /** Removes the secret and the recovery codes; false when there was no TOTP. The caller has checked the factor itself. */
  async disable(userId: string): Promise<boolean> {
    return this.deps.store.remove(userId);
  }

  private async check(userId: string, code: string): Promise<SecondFactorCheck> {
    if (looksLikeTotpCode(code)) {
      const enrolment = await this.deps.store.find(userId);
      const secret = enrolment && (await this.unprotectSecret(userId, enrolment.protectedSecret));
      const step = secret === undefined ? undefined : matchingTotpStep(secret, code, this.deps.clock());
      // Each step once: a replay inside the window (or an older step after a newer one) loses here.
      if (step !== undefined && (await this.deps.store.claimStep(userId, step))) return { ok: true, kind: 'totp' };
      return INVALID;
    }
    const canonical = normalizeRecoveryCode(code);
    if (canonical === undefined) return INVALID;
    for (const hash of await this.deps.store.recoveryCodeHashes(userId)) {
      if (!(await this.deps.recoveryHasher.verify(canonical, hash))) continue;
      return (await this.deps.store.consumeRecoveryCode(userId, hash)) ? { ok: true, kind: 'recovery-code' } : INVALID;
    }
    return INVALID;
  }

  private async hashAll(codes: readonly string[]): Promise<string[]> {
    return Promise.all(codes.map((code) => this.deps.recoveryHasher.hash(normalizeRecoveryCode(code)!)));
  }

  private nowIso(): string {
    return new Date(this.deps.clock()).toISOString();
  }
}

const INVALID: SecondFactorCheck = { ok: false, reason: 'invalid' };
