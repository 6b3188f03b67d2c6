/**
 * Password hashing: argon2id with the configured cost (OWASP's m = 19 MiB, t = 2, p = 1 by
 * default). The parameters are stored with every hash, so the cost can move later: old hashes
 * still verify, and `needsRehash` tells the sign-in flow to store a new hash while it holds the
 * password. Hashes of the scrypt era verify too, and always need a rehash.
 *
 * Memory: one derivation allocates m (19 MiB by default) outside the JavaScript heap, on a
 * libuv thread; see serverless.yml for the functions that hash.
 */
import type { Config } from '../config.js';
import { timingSafeEqual } from 'node:crypto';
import { IdentityServerError } from '../errors.js';
import { deriveArgon2id, hashArgon2id, parseArgon2id, unmatchableArgon2id, withinArgon2idLimits, type Argon2idParams } from './argon2id-hash.js';
import { deriveScrypt, parseScrypt } from './scrypt-hash.js';

/** Longer inputs are refused before any work, so nobody can make us normalise and hash megabytes. */
export const MAX_PASSWORD_LENGTH = 1024;

export class PasswordTooLongError extends IdentityServerError {
  readonly code = 'password_too_long';

  constructor() {
    super(`password longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
}

export interface VerifyResult {
  ok: boolean;
  /** The hash was made with another algorithm or other parameters than the current ones: store a fresh hash. */
  needsRehash: boolean;
}

const REJECTED: VerifyResult = { ok: false, needsRehash: false };

export class PasswordHasher {
  readonly #params: Argon2idParams;

  constructor({ argon2id }: Config['password']) {
    // One lane: Lambda gives a function below 1,769 MB less than one vCPU, so more lanes would
    // only run one after another.
    const params = { ...argon2id, parallelism: 1 };
    if (!withinArgon2idLimits(params)) throw new RangeError(`argon2id parameters out of range: ${JSON.stringify(argon2id)}`);
    this.#params = params;
  }

  /** Throws PasswordTooLongError for inputs over MAX_PASSWORD_LENGTH UTF-16 code units (what HTML maxlength counts). */
  async hash(password: string): Promise<string> {
    if (password.length > MAX_PASSWORD_LENGTH) throw new PasswordTooLongError();
    return hashArgon2id(normalize(password), this.#params);
  }

  /**
   * A well-formed hash at the current cost that no password matches (random salt and key).
   * Verifying against it costs exactly what a real verification costs, so an unknown account
   * answers in the same time as a known one, without spending a hash at cold start.
   */
  unmatchableHash(): string {
    return unmatchableArgon2id(this.#params);
  }

  /**
   * Never throws for bad input: a malformed stored hash or an over-long password simply does
   * not verify, so the login flow has one failure path. (No stored hash can match an over-long
   * password, since `hash` refuses them.)
   */
  async verify(password: string, encoded: string): Promise<VerifyResult> {
    const stored = this.#read(encoded);
    if (!stored || password.length > MAX_PASSWORD_LENGTH) return REJECTED;
    if (!timingSafeEqual(await stored.derive(normalize(password)), stored.key)) return REJECTED;
    return { ok: true, needsRehash: !stored.current };
  }

  /** A stored hash of either algorithm: its key, how to derive a candidate, whether it has today's algorithm and cost. */
  #read(encoded: string): { key: Buffer; derive: (normalized: string) => Promise<Buffer>; current: boolean } | undefined {
    const argon2id = parseArgon2id(encoded);
    if (argon2id) {
      const { params, salt, key } = argon2id;
      const now = this.#params;
      // Any difference counts, downwards too: the configured cost is the operator's decision.
      const current = params.memoryKiB === now.memoryKiB && params.iterations === now.iterations && params.parallelism === now.parallelism;
      return { key, derive: (normalized) => deriveArgon2id(normalized, salt, params), current };
    }
    const scrypt = parseScrypt(encoded);
    return scrypt && { key: scrypt.key, derive: (normalized) => deriveScrypt(normalized, scrypt.salt, scrypt.params), current: false };
  }
}

/**
 * NFKC, so that the same password typed on another keyboard or OS (composed vs decomposed
 * accents, full-width digits) produces the same hash.
 */
function normalize(password: string): string {
  return password.normalize('NFKC');
}
