/**
 * The DataProtector: AES-256-GCM under a per-payload key derived from the ring's default
 * master key, the purpose chain and a random 128-bit key modifier (see payload-format.ts).
 * The modifier makes every payload use a fresh AES key, so GCM's random-nonce limit applies
 * per payload, not per master key, at any volume.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import type { DataProtector, ProtectOptions } from './data-protector.js';
import { KeyRingProvider, type ResolvedKey } from '../keyring/key-ring-provider.js';
import { masterKeyKind } from './master-key.js';
import {
  EXPIRY_BYTES,
  HEADER_BYTES,
  KEY_ID_OFFSET,
  MAGIC,
  MIN_PAYLOAD_BYTES,
  MODIFIER_OFFSET,
  NONCE_OFFSET,
  TAG_BYTES,
  decodeBase64Url,
  hasMagic,
  readExpiry,
  readKeyId,
  writeExpiry,
} from './payload-format.js';
import { PurposeKeyCache, type PurposeKeys } from './purpose-keys.js';
import { UnprotectError } from './unprotect-error.js';

export interface DataProtectionDeps {
  config: Pick<Config, 'appName' | 'dataProtection'>;
  keyWrapper: KeyWrapper;
  repository: KeyRingRepository;
  clock?: Clock;
}

/** The application's root protector (purpose chain = [appName]). Build once per cold start. */
export function createDataProtection(deps: DataProtectionDeps): DataProtector {
  return createProtector(createDataProtectionKeyRing(deps), deps.config.appName, deps.clock ?? systemClock);
}

/** The data-protection ring provider, for callers that need it beside the protector (tests, warm-up). */
export function createDataProtectionKeyRing(deps: DataProtectionDeps): KeyRingProvider<Buffer> {
  const settings = deps.config.dataProtection;
  return new KeyRingProvider({
    app: deps.config.appName,
    kind: masterKeyKind(settings),
    repository: deps.repository,
    keyWrapper: deps.keyWrapper,
    clock: deps.clock ?? systemClock,
    refreshIntervalS: settings.refreshIntervalS,
    unknownKeyRefreshMinIntervalS: settings.unknownKeyRefreshMinIntervalS,
  });
}

export function createProtector(keyRing: KeyRingProvider<Buffer>, appName: string, clock: Clock = systemClock): DataProtector {
  return new Protector({ keyRing, clock, purposeKeys: new PurposeKeyCache() }, [appName]);
}

interface ProtectorCore {
  keyRing: KeyRingProvider<Buffer>;
  clock: Clock;
  purposeKeys: PurposeKeyCache;
}

/** Largest expiry the 6 significant payload bytes hold (year 10889). */
const MAX_EXPIRY_MS = 2 ** 48 - 1;

class Protector implements DataProtector {
  private readonly purposeKeys: PurposeKeys;

  constructor(
    private readonly core: ProtectorCore,
    private readonly chain: readonly string[],
  ) {
    this.purposeKeys = core.purposeKeys.forChain(chain);
  }

  forPurpose(purpose: string): DataProtector {
    if (typeof purpose !== 'string' || purpose.length === 0) throw new TypeError('purpose must be a non-empty string');
    return new Protector(this.core, [...this.chain, purpose]);
  }

  async protect(plaintext: Uint8Array, options: ProtectOptions = {}): Promise<string> {
    if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext must be a Uint8Array');
    const expiresAtMs = expiryOf(options);
    const keyRing = this.core.keyRing;
    const { record, material } = keyRing.cachedCurrentKey() ?? (await keyRing.currentKey());
    const purposeKey = this.purposeKeys.get(record.keyId, material);

    const payload = Buffer.allocUnsafe(HEADER_BYTES + EXPIRY_BYTES + plaintext.length + TAG_BYTES);
    MAGIC.copy(payload, 0);
    purposeKey.keyIdBytes.copy(payload, KEY_ID_OFFSET);
    randomFillSync(payload, MODIFIER_OFFSET, HEADER_BYTES - MODIFIER_OFFSET); // key modifier + nonce
    const header = payload.subarray(0, HEADER_BYTES);

    const key = purposeKey.payloadKey(payload.subarray(MODIFIER_OFFSET, NONCE_OFFSET));
    const cipher = createCipheriv('aes-256-gcm', key, payload.subarray(NONCE_OFFSET, HEADER_BYTES), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(header);
    // Expiry and message go through the cipher in one call, from their place in the payload.
    const body = payload.subarray(HEADER_BYTES, payload.length - TAG_BYTES);
    writeExpiry(body, 0, expiresAtMs);
    body.set(plaintext, EXPIRY_BYTES);
    let offset = HEADER_BYTES;
    offset += cipher.update(body).copy(payload, offset);
    offset += cipher.final().copy(payload, offset);
    cipher.getAuthTag().copy(payload, offset);
    return payload.toString('base64url');
  }

  async unprotect(text: string): Promise<Uint8Array> {
    const payload = decodeBase64Url(text);
    if (payload === undefined || payload.length < MIN_PAYLOAD_BYTES || !hasMagic(payload)) throw new UnprotectError('malformed');

    const keyId = readKeyId(payload);
    const { record, material } = this.core.keyRing.cachedKey(keyId) ?? (await this.lookUpKey(keyId));
    const purposeKey = this.purposeKeys.get(record.keyId, material);

    const tagOffset = payload.length - TAG_BYTES;
    let plaintext: Buffer;
    try {
      const key = purposeKey.payloadKey(payload.subarray(MODIFIER_OFFSET, NONCE_OFFSET));
      const decipher = createDecipheriv('aes-256-gcm', key, payload.subarray(NONCE_OFFSET, HEADER_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(payload.subarray(0, HEADER_BYTES));
      decipher.setAuthTag(payload.subarray(tagOffset));
      const body = decipher.update(payload.subarray(HEADER_BYTES, tagOffset));
      const rest = decipher.final();
      plaintext = rest.length === 0 ? body : Buffer.concat([body, rest]);
    } catch {
      throw new UnprotectError('bad_tag');
    }

    const expiresAtMs = readExpiry(plaintext, 0);
    if (expiresAtMs === undefined) throw new UnprotectError('malformed');
    if (expiresAtMs !== 0 && this.core.clock() >= expiresAtMs) throw new UnprotectError('expired');
    return plaintext.subarray(EXPIRY_BYTES);
  }

  /** The slow path: ring not cached or stale, key not unwrapped yet, or not a usable key. */
  private async lookUpKey(keyId: string): Promise<ResolvedKey<Buffer>> {
    const lookup = await this.core.keyRing.keyById(keyId);
    if (lookup.status === 'unknown' || lookup.status === 'unusable') throw new UnprotectError('unknown_key');
    if (lookup.status === 'revoked') throw new UnprotectError('revoked_key');
    return lookup.key;
  }

  async protectJson(value: unknown, options?: ProtectOptions): Promise<string> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError('value is not JSON-serializable');
    return this.protect(Buffer.from(json, 'utf8'), options);
  }

  async unprotectJson<T>(payload: string): Promise<T> {
    const bytes = await this.unprotect(payload);
    try {
      return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
    } catch {
      throw new UnprotectError('malformed');
    }
  }
}

function expiryOf(options: ProtectOptions): number {
  if (options.expiresAt === undefined) return 0;
  const ms = options.expiresAt.getTime();
  if (!Number.isInteger(ms) || ms <= 0 || ms > MAX_EXPIRY_MS) throw new RangeError('expiresAt must be a valid date after 1970');
  return ms;
}
