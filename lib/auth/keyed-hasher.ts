import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A keyed, deterministic hash for short secrets (one-time codes). Without the key, a dump of the
 * cache table does not reveal the codes: a six-digit code hashed without a key falls to a
 * million guesses.
 */
export interface KeyedHasher {
  hash(input: string): Promise<string>;
  verify(input: string, hash: string): Promise<boolean>;
}

const KEY_BYTES = 32;

/** HMAC-SHA256, base64url. Async only to match the interface (a KMS-backed key may need a fetch). */
export class HmacKeyedHasher implements KeyedHasher {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new RangeError(`HMAC key must be ${KEY_BYTES} bytes, got ${key.length}`);
    // A private copy: the caller may reuse or wipe its buffer.
    this.#key = Buffer.from(key);
  }

  async hash(input: string): Promise<string> {
    return this.mac(input).toString('base64url');
  }

  async verify(input: string, hash: string): Promise<boolean> {
    const expected = this.mac(input);
    const actual = Buffer.from(hash, 'base64url');
    // The length is not secret (always 32 for our own hashes); the content is compared in constant time.
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  private mac(input: string): Buffer {
    return createHmac('sha256', this.#key).update(input, 'utf8').digest();
  }
}
