import type { User, UserStore } from './user-store.js';
import { findAccount } from './account-lookup.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';

export type PasswordLoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'locked'; retryAfterS?: number };

/**
 * Email + password sign-in. Every failure looks the same from outside ('invalid'), and an
 * unknown address costs the same argon2id work and directory reads as a known one, so neither
 * the answer nor its timing tells whether an account exists. The throttle counts the attempt
 * before the password is checked (see LoginThrottle).
 */
export class PasswordLogin {
  private readonly users: UserStore;
  private readonly hasher: PasswordHasher;
  private readonly throttle: LoginThrottle;
  /** Verified against when there is no real hash, so unknown accounts cost the same argon2id work. */
  private readonly dummyHash: string;

  constructor(options: { users: UserStore; hasher: PasswordHasher; throttle: LoginThrottle }) {
    this.users = options.users;
    this.hasher = options.hasher;
    this.throttle = options.throttle;
    this.dummyHash = this.hasher.unmatchableHash();
  }

  async login(email: string, password: string, ip: string): Promise<PasswordLoginResult> {
    const started = await this.throttle.begin(email, ip);
    if (started.locked) return { ok: false, reason: 'locked', retryAfterS: started.retryAfterS };
    let result: Exclude<PasswordLoginResult, { reason: 'locked' }>;
    try {
      result = await this.verify(email, password);
    } catch (error) {
      // A directory outage is nobody's failed guess; best effort, since the cache may be down too.
      await this.throttle.abandoned(started.attempt).catch(() => undefined);
      throw error;
    }
    await (result.ok ? this.throttle.succeeded(started.attempt) : this.throttle.failed(started.attempt));
    return result;
  }

  private async verify(email: string, password: string): Promise<Exclude<PasswordLoginResult, { reason: 'locked' }>> {
    const user = await findAccount(this.users, email);
    const stored = user?.passwordHash ?? this.dummyHash;
    const result = await this.hasher.verify(password, stored);
    if (!user?.passwordHash || !result.ok) return { ok: false, reason: 'invalid' };
    if (!result.needsRehash) return { ok: true, user };

    // We hold the plaintext only now: move the stored hash to the current algorithm and cost (a
    // scrypt-era hash becomes argon2id). A failed upgrade must not fail a correct sign-in; the
    // next sign-in tries again.
    const passwordHash = await this.hasher.hash(password);
    try {
      await this.users.updatePasswordHash(user.id, passwordHash);
      return { ok: true, user: { ...user, passwordHash } };
    } catch (error) {
      console.warn(`password rehash failed for user ${user.id}: ${(error as Error).name}`);
      return { ok: true, user };
    }
  }
}
