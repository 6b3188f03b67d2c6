import type { User, UserDirectory } from '../store/user-directory.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';

export type PasswordLoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'locked'; retryAfterS?: number };

/**
 * Email + password sign-in. Every failure looks the same from outside ('invalid'), and an
 * unknown address costs the same scrypt work as a known one, so neither the answer nor its
 * timing tells whether an account exists.
 */
export class PasswordLogin {
  private readonly users: UserDirectory;
  private readonly hasher: PasswordHasher;
  private readonly throttle: LoginThrottle;
  /** Verified against when there is no real hash, so unknown accounts cost the same scrypt work. */
  private readonly dummyHash: string;

  constructor(options: { users: UserDirectory; hasher: PasswordHasher; throttle: LoginThrottle }) {
    this.users = options.users;
    this.hasher = options.hasher;
    this.throttle = options.throttle;
    this.dummyHash = this.hasher.unmatchableHash();
  }

  async login(email: string, password: string, ip: string): Promise<PasswordLoginResult> {
    const decision = await this.throttle.check(email, ip);
    if (decision.locked) return { ok: false, reason: 'locked', retryAfterS: decision.retryAfterS };

    const user = await this.users.findByEmail(email);
    const stored = user?.passwordHash ?? this.dummyHash;
    const result = await this.hasher.verify(password, stored);
    if (!user?.passwordHash || !result.ok) {
      await this.throttle.recordFailure(email, ip);
      return { ok: false, reason: 'invalid' };
    }

    let signedIn = user;
    if (result.needsRehash) {
      // We hold the plaintext only now: move the stored hash to the current parameters. A failed
      // upgrade must not fail a correct sign-in; the next sign-in tries again.
      const passwordHash = await this.hasher.hash(password);
      try {
        await this.users.updatePasswordHash(user.id, passwordHash);
        signedIn = { ...user, passwordHash };
      } catch (error) {
        console.warn(`password rehash failed for user ${user.id}: ${(error as Error).name}`);
      }
    }
    await this.throttle.recordSuccess(email);
    return { ok: true, user: signedIn };
  }
}
