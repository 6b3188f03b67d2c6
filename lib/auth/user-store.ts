/**
 * The port for user accounts: what sign-in, registration and the OIDC endpoints need from a
 * directory of users. lib/store/user-directory.ts implements it on DynamoDB; test/support keeps
 * an in-memory twin that passes the same contract tests.
 */
import { randomUUID } from 'node:crypto';
import { IdentityServerError } from '../errors.js';
import { normalizeEmail } from './email-address.js';
import type { ProfileClaims } from './profile-claims.js';

export interface User {
  id: string;
  /** Normalized (see normalizeEmail). */
  email: string;
  name: string;
  emailVerified: boolean;
  /** Absent for accounts that cannot sign in with a password. */
  passwordHash?: string;
  createdAt: string;
  /** Standard profile claims beside `name` (profile-claims.ts), released with the `profile` scope. */
  profile?: ProfileClaims;
  /** ISO 8601: the last profile change (the `updated_at` claim; `createdAt` before any). */
  profileUpdatedAt?: string;
  /** ISO 8601, set while an operator has disabled the account (lib/auth/user-status.ts): no sign-in, no token. */
  disabledAt?: string;
}

export interface NewUser {
  /** Any spelling; the store normalizes it. */
  email: string;
  name: string;
  passwordHash?: string;
  emailVerified: boolean;
}

export class EmailTakenError extends IdentityServerError {
  readonly code = 'email_taken';
  constructor() {
    super('a user with this email address already exists');
  }
}

export class InvalidEmailError extends IdentityServerError {
  readonly code = 'invalid_email';
  constructor() {
    super('not a usable email address');
  }
}

/** The account was deleted, or its address changed, since the caller read it: nothing was written. */
export class StaleUserError extends IdentityServerError {
  readonly code = 'stale_user';
  constructor() {
    super('the user does not exist or no longer has the expected address');
  }
}

export interface UserStore {
  /**
   * Stores newUser(input). Of any number of concurrent creations for one normalized address
   * exactly one succeeds; the others throw EmailTakenError. Throws InvalidEmailError, writing
   * nothing, when normalizeEmail rejects the address.
   */
  create(input: NewUser): Promise<User>;
  /** By any spelling of the address. */
  findByEmail(email: string): Promise<User | undefined>;
  findById(id: string): Promise<User | undefined>;
  /**
   * One read whether or not the address is registered, so callers that must not reveal
   * registration (the registration flow) spend the same time either way.
   */
  isEmailTaken(email: string): Promise<boolean>;
  /** Throws when the user does not exist (never creates a half user). */
  updatePasswordHash(id: string, hash: string): Promise<void>;
  /** Throws when the user does not exist (never creates a half user). */
  updateProfile(id: string, profile: { name: string }): Promise<void>;
  /**
   * Moves the account from address `from` to `to` (any spellings), marking it verified: the new
   * address is claimed, the old one released and the user updated all at once, or nothing
   * changes. Of concurrent changes to one address exactly one succeeds. Throws EmailTakenError
   * when `to` belongs to an account (this one included), InvalidEmailError when normalizeEmail
   * rejects it, StaleUserError when the user is gone or its address is no longer `from`.
   */
  changeEmail(id: string, change: { from: string; to: string }): Promise<void>;
  /**
   * Removes the user, its address (free to register again at once) and every other item the
   * directory keeps under the user (`user#<id>`: passkeys, second factors...). False when there
   * was no such user. Items outside the directory (sessions, grants, consents) are the caller's.
   */
  delete(id: string): Promise<boolean>;
}

/**
 * The user `create` stores, whichever store it is: a random (v4 UUID) id and the normalized
 * address. Throws InvalidEmailError when normalizeEmail rejects the address.
 */
export function newUser(input: NewUser, createdAt: Date): User {
  const email = normalizeEmail(input.email);
  if (!email) throw new InvalidEmailError();
  return {
    id: randomUUID(),
    email,
    name: input.name,
    emailVerified: input.emailVerified,
    ...(input.passwordHash !== undefined ? { passwordHash: input.passwordHash } : {}),
    createdAt: createdAt.toISOString(),
  };
}
