/**
 * Password hashes for bench/fixtures.ts users, made exactly as registration makes them (the
 * configured algorithm and cost). Apart from fixtures.ts because the hasher loads a native
 * module that a harness bundling the fixtures into a temporary folder could not resolve.
 */
import { PasswordHasher } from '../lib/auth/password-hasher.js';
import type { Config } from '../lib/config.js';

export function hashPassword(config: Pick<Config, 'password'>, password: string): Promise<string> {
  return new PasswordHasher(config.password).hash(password);
}
