import { randomBytes, scryptSync } from 'node:crypto';
import type { PasswordSettings } from '../../lib/config.js';

/**
 * A cheap argon2id cost (1 MiB, one pass: about a millisecond) so suites with many sign-ins stay
 * quick; the test stack passes it to its functions too. Production's cost (OWASP's) is checked
 * by test/unit/password-hasher.test.ts and refused below it in AWS by lib/config.ts.
 */
export const TEST_PASSWORD_SETTINGS: PasswordSettings = { argon2id: { memoryKiB: 1024, iterations: 1 } };

/** The same cost as the environment variables lib/config.ts reads. */
export const TEST_PASSWORD_ENV = {
  PASSWORD_ARGON2_MEMORY_KIB: String(TEST_PASSWORD_SETTINGS.argon2id.memoryKiB),
  PASSWORD_ARGON2_ITERATIONS: String(TEST_PASSWORD_SETTINGS.argon2id.iterations),
};

/** A record of the scrypt era (N = 2^logN, 16-byte salt, 32-byte key), made without the hasher. */
export function scryptEraHash(password: string, { logN = 10, r = 8, p = 1 } = {}): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 2 ** logN, r, p });
  return `scrypt$ln=${logN},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}
