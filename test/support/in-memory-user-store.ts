/**
 * `UserStore` in memory, held to the same contract tests as the DynamoDB one
 * (test/support/contracts/user-store-contract.ts). For unit tests and benchmarks.
 */
import type { Clock } from '../../lib/clock.js';
import { normalizeEmail } from '../../lib/auth/email-address.js';
import { EmailTakenError, InvalidEmailError, newUser, StaleUserError, type NewUser, type User, type UserStore } from '../../lib/auth/user-store.js';

export class InMemoryUserStore implements UserStore {
  private readonly users = new Map<string, User>();
  /** Normalized address -> user id: the uniqueness guard, as the DynamoDB store's `email#` item. */
  private readonly emails = new Map<string, string>();

  constructor(private readonly clock: Clock) {}

  async create(input: NewUser): Promise<User> {
    const user = newUser(input, new Date(this.clock()));
    if (this.emails.has(user.email)) throw new EmailTakenError();
    this.emails.set(user.email, user.id);
    this.users.set(user.id, user);
    return { ...user };
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const address = normalizeEmail(email);
    const id = address === undefined ? undefined : this.emails.get(address);
    return id === undefined ? undefined : this.findById(id);
  }

  async findById(id: string): Promise<User | undefined> {
    const user = this.users.get(id);
    return user === undefined ? undefined : { ...user };
  }

  async isEmailTaken(email: string): Promise<boolean> {
    return (await this.findByEmail(email)) !== undefined;
  }

  async updatePasswordHash(id: string, hash: string): Promise<void> {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    user.passwordHash = hash;
  }

  async updateProfile(id: string, profile: { name: string }): Promise<void> {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    user.name = profile.name;
    user.profileUpdatedAt = new Date(this.clock()).toISOString();
  }

  async changeEmail(id: string, change: { from: string; to: string }): Promise<void> {
    const to = normalizeEmail(change.to);
    if (to === undefined) throw new InvalidEmailError();
    if (this.emails.has(to)) throw new EmailTakenError();
    const user = this.users.get(id);
    if (user === undefined || user.email !== normalizeEmail(change.from)) throw new StaleUserError();
    this.emails.delete(user.email);
    this.emails.set(to, id);
    user.email = to;
    user.emailVerified = true;
  }

  async delete(id: string): Promise<boolean> {
    const user = this.users.get(id);
    if (user === undefined) return false;
    this.emails.delete(user.email);
    this.users.delete(id);
    return true;
  }
}
