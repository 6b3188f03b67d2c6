/**
 * Accounts made straight in the directory for the page tests: a fresh address each, so tests
 * never meet each other's accounts or throttles, and a password hashed at the test cost.
 */
import { randomBytes } from 'node:crypto';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import type { UserStore } from '../../lib/auth/user-store.js';
import { TEST_PASSWORD_SETTINGS } from './password-hashing.js';

/** `<label>-<8 random hex digits>@example.com`. */
export const newEmail = (label: string): string => `${label}-${randomBytes(4).toString('hex')}@example.com`;

/** A verified account named `name` with `password`, at a new address made from `label`. */
export async function passwordAccount(users: Pick<UserStore, 'create'>, label: string, account: { name: string; password: string }): Promise<{ id: string; email: string }> {
  const email = newEmail(label);
  const passwordHash = await new PasswordHasher(TEST_PASSWORD_SETTINGS).hash(account.password);
  const user = await users.create({ email, name: account.name, passwordHash, emailVerified: true });
  return { id: user.id, email };
}
