/**
 * Password hashing with Node's built-in scrypt. The parameters are stored with every hash
 * (`scrypt$ln=17,r=8,p=1$<salt>$<hash>`), so the cost can be raised later: old hashes still
 * verify, and `needsRehash` tells the login flow to store a new hash while it has the password.
 *
 * Memory: scrypt needs 128 * r * N bytes, 128 MiB at the OWASP default N=2^17, r=8. The Lambda
 * functions that hash must have comfortably more memory than that.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { IdentityServerError } from '../errors.js';

/** Longer inputs are refused before any work, so nobody can make us normalise and hash megabytes. */
export const MAX_PASSWORD_LENGTH = 1024;

export class PasswordTooLongError extends IdentityServerError {
  readonly code = 'password_too_long';

  constructor() {
    super(`password longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
}

const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const DEFAULT_LOG_N = 17;

/** Bounds for parameters we produce and for those we accept from storage. */
const MIN_LOG_N = 10;
const MAX_LOG_N = 20;
/**
 * N * r * p bounds both the time and (with p >= 1) the memory of one derivation. A corrupted or
 * planted record must not make a verify cost more than our own most expensive hash: 1 GiB.
 */
const MAX_COST = 2 ** MAX_LOG_N * R;

/**
 * Salt and key lengths are fixed (16 and 32 bytes, unpadded base64url), so a truncated record is
 * malformed instead of verifying against a shorter key; only the cost parameters vary.
 */
const ENCODED = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

export interface VerifyResult {
  ok: boolean;
  /** The hash was made with other parameters than the current ones: store a fresh hash. */
  needsRehash: boolean;
}

export class PasswordHasher {
  readonly #logN: number;

  constructor({ logN = DEFAULT_LOG_N }: { logN?: number } = {}) {
    if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N) {
      throw new RangeError(`scrypt logN must be an integer from ${MIN_LOG_N} to ${MAX_LOG_N}`);
    }
    this.#logN = logN;
  }

  /** Throws PasswordTooLongError for inputs over MAX_PASSWORD_LENGTH UTF-16 code units (what HTML maxlength counts). */
  async hash(password: string): Promise<string> {
    if (password.length > MAX_PASSWORD_LENGTH) throw new PasswordTooLongError();
    const salt = randomBytes(SALT_BYTES);
    const params = { logN: this.#logN, r: R, p: P };
    return encode(params, salt, await derive(password, salt, params, KEY_BYTES));
  }

  /**
   * A well-formed hash at the current cost that no password matches (random salt and key).
   * Verifying against it costs exactly what a real verification costs, so an unknown account
   * answers in the same time as a known one, without spending a hash at cold start.
   */
  unmatchableHash(): string {
    return encode({ logN: this.#logN, r: R, p: P }, randomBytes(SALT_BYTES), randomBytes(KEY_BYTES));
  }

  /**
   * Never throws for bad input: a malformed stored hash or an over-long password simply does
   * not verify, so the login flow has one failure path. (No stored hash can match an over-long
   * password, since `hash` refuses them.)
   */
  async verify(password: string, encoded: string): Promise<VerifyResult> {
    const parsed = parse(encoded);
    if (!parsed || password.length > MAX_PASSWORD_LENGTH) return { ok: false, needsRehash: false };
    const key = await derive(password, parsed.salt, parsed.params, KEY_BYTES);
    if (!timingSafeEqual(key, parsed.key)) return { ok: false, needsRehash: false };
    const { logN, r, p } = parsed.params;
    // Rehash on any difference, downwards too: the configured cost is the operator's decision.
    return { ok: true, needsRehash: logN !== this.#logN || r !== R || p !== P };
  }
}

function parse(encoded: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const match = ENCODED.exec(encoded);
  if (!match) return undefined;
  const [, ln = '', r = '', p = '', salt = '', key = ''] = match;
  const params = { logN: Number(ln), r: Number(r), p: Number(p) };
  if (params.logN < 1 || params.r < 1 || params.p < 1) return undefined;
  if (2 ** params.logN * params.r * params.p > MAX_COST) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/** OpenSSL's scrypt allocates 128 * r * (N + p + 2) bytes. */
function memoryFor({ logN, r, p }: ScryptParams): number {
  return 128 * r * (2 ** logN + p + 2);
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyLength: number): Promise<Buffer> {
  // NFKC so that the same password typed on another keyboard or OS (composed vs decomposed
  // accents, full-width digits) produces the same hash.
  const normalized = password.normalize('NFKC');
  const options: ScryptOptions = {
    N: 2 ** params.logN,
    r: params.r,
    p: params.p,
    // Node's default maxmem (32 MiB) is below what N=2^17 needs; allow exactly the requirement plus slack.
    maxmem: memoryFor(params) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function encode(params: ScryptParams, salt: Buffer, key: Buffer): string {
  return `scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}
