/**
 * Per-purpose keys: HKDF-SHA256(master, info = purpose chain), derived once per instance for
 * each (master key, purpose chain) and cached. The chain starts with the application name.
 * Each element is length-prefixed, so ['a', 'b'] and ['ab'] derive different keys.
 */
import { hkdfSync } from 'node:crypto';
import { HmacSha256Midstate } from './hmac-sha256-midstate.js';
import { KEY_ID_BYTES } from './payload-format.js';

/** Node's hkdfSync refuses longer info. */
const MAX_INFO_BYTES = 1024;
const EMPTY_SALT = Buffer.alloc(0);

export class PurposeKey {
  /** The master key's id as the 16 bytes written into payloads. */
  readonly keyIdBytes: Buffer;
  private readonly hmac: HmacSha256Midstate;

  constructor(purposeKey: Buffer, keyIdBytes: Buffer) {
    this.keyIdBytes = keyIdBytes;
    this.hmac = new HmacSha256Midstate(purposeKey);
  }

  /** HMAC-SHA256(purpose key, key modifier): the AES-256 key of one payload. */
  payloadKey(modifier: Buffer): Buffer {
    return this.hmac.digest(modifier);
  }
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

/** Purpose keys of one purpose chain, by master key id. Shared by every protector of that chain. */
export class PurposeKeys {
  private readonly keys = new Map<string, PurposeKey>();
  constructor(private readonly info: Buffer) {}

  /** `master` must be the key `keyId` names. */
  get(keyId: string, master: Buffer): PurposeKey {
    let key = this.keys.get(keyId);
    if (key === undefined) {
      const derived = Buffer.from(hkdfSync('sha256', master, EMPTY_SALT, this.info, 32));
      key = new PurposeKey(derived, keyIdBytes(keyId));
      derived.fill(0);
      this.keys.set(keyId, key);
    }
    return key;
  }
}

/** One PurposeKeys per purpose chain, so `forPurpose()` called per request still derives once. */
export class PurposeKeyCache {
  private readonly chains = new Map<string, PurposeKeys>();

  forChain(chain: readonly string[]): PurposeKeys {
    const info = encodePurposeChain(chain);
    const id = info.toString('base64');
    let keys = this.chains.get(id);
    if (keys === undefined) {
      keys = new PurposeKeys(info);
      this.chains.set(id, keys);
    }
    return keys;
  }
}

function keyIdBytes(keyId: string): Buffer {
  const hex = keyId.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error('key id must be a lowercase UUID');
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length !== KEY_ID_BYTES) throw new Error('key id must be 16 bytes');
  return bytes;
}
