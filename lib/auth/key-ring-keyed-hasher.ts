import { hkdfSync } from 'node:crypto';
import { HmacKeyedHasher, type KeyedHasher } from './keyed-hasher.js';
import type { KeyRingProvider } from '../keyring/key-ring-provider.js';

/**
 * HMAC-SHA256 under a key derived from the current data-protection master key:
 * `<masterKeyId>.<base64url mac>`. Verification uses the key the hash names (revoked or
 * unknown keys never verify).
 *
 * The HKDF info starts with a text label, never with the 4-byte length prefix the protector's
 * purpose chains start with, so these keys can never equal a protector's purpose key.
 */
export class KeyRingKeyedHasher implements KeyedHasher {
  private readonly hashers = new Map<string, HmacKeyedHasher>();
  private readonly info: Buffer;

  constructor(
    private readonly keyRing: KeyRingProvider<Buffer>,
    label: string,
  ) {
    this.info = Buffer.from(`keyed-hash\0${label}`, 'utf8');
  }

  async hash(input: string): Promise<string> {
    const { record, material } = await this.keyRing.currentKey();
    return `${record.keyId}.${await this.hasherFor(record.keyId, material).hash(input)}`;
  }

  async verify(input: string, hash: string): Promise<boolean> {
    const dot = hash.indexOf('.');
    const keyId = hash.slice(0, dot);
    if (dot <= 0 || !/^[0-9a-f-]{36}$/.test(keyId)) return false;
    const lookup = await this.keyRing.keyById(keyId);
    if (lookup.status !== 'found') return false;
    return this.hasherFor(keyId, lookup.key.material).verify(input, hash.slice(dot + 1));
  }

  private hasherFor(keyId: string, master: Buffer): HmacKeyedHasher {
    let hasher = this.hashers.get(keyId);
    if (hasher === undefined) {
      const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), this.info, 32));
      hasher = new HmacKeyedHasher(key);
      key.fill(0);
      this.hashers.set(keyId, hasher);
    }
    return hasher;
  }
}
