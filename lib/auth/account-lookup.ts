import type { User } from './user-store.js';
import { normalizeEmail } from './email-address.js';

/** The reads an account lookup needs (a UserStore has them). */
export interface AccountReads {
  findByEmail(email: string): Promise<User | undefined>;
  findById(id: string): Promise<User | undefined>;
}

/** The nil UUID: user ids are random (v4) UUIDs, so no user ever has it. */
const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * `findByEmail` with the same directory reads whether or not the address has an account.
 * `findByEmail` reads the address item and then, only when it names a user, the user item; the
 * extra round trip would let anyone time sign-in or code requests to learn who is registered.
 * For an address without an account the second read goes to an id that never exists. (Input
 * that is not an address reads nothing either way: it names no account, so there is nothing to hide.)
 */
export async function findAccount(users: AccountReads, email: string): Promise<User | undefined> {
  const user = await users.findByEmail(email);
  if (user === undefined && normalizeEmail(email) !== undefined) await users.findById(NO_USER_ID);
  return user;
}
