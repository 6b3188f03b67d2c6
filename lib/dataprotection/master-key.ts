/**
 * Data-protection master keys: 256 random bits from KMS GenerateDataKey, bound to
 * `{ app, ring: 'dataprotection', keyId }`. Only the wrapped form is stored.
 */
import type { DataProtectionSettings } from '../config.js';
import type { KeyKind } from '../keyring/key-kind.js';
import type { RingPolicy } from '../keyring/key-ring-policy.js';

export const DATA_PROTECTION_RING = 'dataprotection';
export const MASTER_KEY_ALG = 'A256GCM-HKDF-SHA256';
const MASTER_KEY_BYTES = 32;

export function dataProtectionRingPolicy(settings: DataProtectionSettings): RingPolicy {
  // Successors activate when the current key expires; warm instances have seen them by then
  // because config guarantees successorLeadS > refreshIntervalS.
  return { keyLifetimeS: settings.keyLifetimeS, successorLeadS: settings.successorLeadS, propagationS: 0 };
}

export function masterKeyKind(settings: DataProtectionSettings): KeyKind<Buffer> {
  return {
    ring: DATA_PROTECTION_RING,
    alg: MASTER_KEY_ALG,
    policy: dataProtectionRingPolicy(settings),
    async mint(keyWrapper, context) {
      const generated = await keyWrapper.generate(context);
      return { material: masterKey(generated.plaintext), wrapped: generated.wrapped, wrappedBy: generated.wrappedBy };
    },
    open(plaintext) {
      return masterKey(plaintext);
    },
  };
}

function masterKey(bytes: Uint8Array): Buffer {
  if (bytes.length !== MASTER_KEY_BYTES) throw new Error('data-protection master key must be 256 bits');
  const key = Buffer.from(bytes);
  bytes.fill(0);
  return key;
}
