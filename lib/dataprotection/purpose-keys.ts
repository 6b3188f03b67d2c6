/**
 * Per-purpose keys: HKDF-SHA256(master, info = purpose chain), derived once per instance for
 * each (master key, purpose chain) and cached. The chain starts with the application name.
 * Each element is length-prefixed, so ['a', 'b'] and ['ab'] derive different keys.
 */
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { KEY_ID_BYTES } from './payload-format.js';

/** Node's hkdfSync refuses longer info. */
const MAX_INFO_BYTES = 1024;
const EMPTY_SALT = Buffer.alloc(0);

export interface PurposeKey {
  /** HMAC key for the per-payload key: HMAC-SHA256(purpose key, key modifier). */
  hmacKey: KeyObject;
  /** The master key's id as the 16 bytes written into payloads. */
  keyIdBytes: Buffer;
}

export function encodePurposeChain(chain: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const purpose of chain) {
    const bytes = Buffer.from(purpose, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  const info = Buffer.concat(parts);
  if (info.length > MAX_INFO_BYTES) throw new RangeError(`purpose chain too long (${info.length} > ${MAX_INFO_BYTES} bytes encoded)`);
  return info;
}

export class PurposeKeyCache {
  private readonly keys = new Map<string, PurposeKey>();

  /** `chainId` identifies `info` (its base64); `master` must be the key `keyId` names. */
  get(keyId: string, master: Buffer, info: Buffer, chainId: string): PurposeKey {
    const cacheKey = `${keyId}/${chainId}`;
    let key = this.keys.get(cacheKey);
    if (key === undefined) {
      const derived = Buffer.from(hkdfSync('sha256', master, EMPTY_SALT, info, 32));
      key = { hmacKey: createSecretKey(derived), keyIdBytes: keyIdBytes(keyId) };
      derived.fill(0);
      this.keys.set(cacheKey, key);
    }
    return key;
  }
}

function keyIdBytes(keyId: string): Buffer {
  const hex = keyId.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error('key id must be a lowercase UUID');
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length !== KEY_ID_BYTES) throw new Error('key id must be 16 bytes');
  return bytes;
}
