import type { User } from './user-store.js';
import { normalizeEmail } from './email-address.js';
import type { SecondFactorSummary } from './second-factors.js';

/** The reads an account lookup needs (a UserStore has them). */
export interface AccountReads {
  findByEmail(email: string): Promise<User | undefined>;
  findById(id: string): Promise<User | undefined>;
}

/** The nil UUID: user ids are random (v4) UUIDs, so no user ever has it. */
export const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

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

/** A user as a sign-in reads it: the account and what it needs to know of the second factors. */
export interface SignInAccount {
  user: User;
  secondFactors: SecondFactorSummary;
}

/**
 * The account behind an address for a sign-in, read in as few requests as the store allows (the
 * DynamoDB directory: the address item, then one Query of the user's partition for the user,
 * its TOTP secret and its passkeys), so the sign-in's later steps need no read of their own.
 * Like findAccount, the same reads whether or not the address has an account.
 */
export interface SignInAccountReads {
  findForSignIn(email: string): Promise<SignInAccount | undefined>;
}
