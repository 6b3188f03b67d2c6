import type { User, UserStore } from './user-store.js';
import type { SignInAccountReads } from './account-lookup.js';
import type { SecondFactorSummary } from './second-factors.js';
import type { AttemptOrigin } from './attempt-scopes.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { logger } from '../observability/logger.js';

export type PasswordLoginResult =
  /** With what the sign-in's next steps need to know of the user's second factors, read with the user. */
  | { ok: true; user: User; secondFactors: SecondFactorSummary }
  | { ok: false; reason: 'invalid' }
  /** Too many guesses from this origin or at this address: no password was checked; try again after the wait. */
  | { ok: false; reason: 'throttled'; retryAfterS: number };

type CheckedResult = Exclude<PasswordLoginResult, { reason: 'throttled' }>;

/**
 * Email + password sign-in. Every failure looks the same from outside ('invalid'), and an
 * unknown address costs the same argon2id work and directory reads as a known one, so neither
 * the answer nor its timing tells whether an account exists. The throttle (kind 'password')
 * counts the attempt before any hash is computed (see LoginThrottle).
 */
export class PasswordLogin {
  private readonly users: SignInAccountReads & Pick<UserStore, 'updatePasswordHash'>;
  private readonly hasher: PasswordHasher;
  private readonly throttle: LoginThrottle;
  /** Verified against when there is no real hash, so unknown accounts cost the same argon2id work. */
  private readonly dummyHash: string;

  constructor(options: { users: SignInAccountReads & Pick<UserStore, 'updatePasswordHash'>; hasher: PasswordHasher; throttle: LoginThrottle }) {
    this.users = options.users;
    this.hasher = options.hasher;
    this.throttle = options.throttle;
    this.dummyHash = this.hasher.unmatchableHash();
  }

  async login(email: string, password: string, origin: AttemptOrigin): Promise<PasswordLoginResult> {
    const started = await this.throttle.begin(email, origin);
    if (!started.allowed) return { ok: false, reason: 'throttled', retryAfterS: started.retryAfterS };
    let result: CheckedResult;
    try {
      result = await this.verify(email, password);
    } catch (error) {
      // A directory outage is nobody's failed guess; best effort, since the cache may be down too.
      await this.throttle.giveBack(started.attempt).catch(() => undefined);
      throw error;
    }
    // A wrong password keeps its place in the budgets; a right one gives it back.
    if (result.ok) await this.throttle.giveBack(started.attempt);
    return result;
  }

  private async verify(email: string, password: string): Promise<CheckedResult> {
    const account = await this.users.findForSignIn(email);
    const user = account?.user;
    const stored = user?.passwordHash ?? this.dummyHash;
    const result = await this.hasher.verify(password, stored);
    if (!account || !user?.passwordHash || !result.ok) return { ok: false, reason: 'invalid' };
    const { secondFactors } = account;
    if (!result.needsRehash) return { ok: true, user, secondFactors };

    // We hold the plaintext only now: move the stored hash to the current algorithm and cost (a
    // scrypt-era hash becomes argon2id). A failed upgrade must not fail a correct sign-in; the
    // next sign-in tries again.
    const passwordHash = await this.hasher.hash(password);
    try {
      await this.users.updatePasswordHash(user.id, passwordHash);
      return { ok: true, user: { ...user, passwordHash }, secondFactors };
    } catch (error) {
      logger.warn('password rehash failed', { userId: user.id, error: (error as Error).name });
      return { ok: true, user, secondFactors };
    }
  }
}
