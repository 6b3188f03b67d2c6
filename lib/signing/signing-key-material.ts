/**
 * ES256 signing keys: generated in-process, the PKCS#8 private key wrapped with KMS Encrypt
 * under `{ app, ring: 'signing', keyId }`, the public JWK stored in clear beside it. After
 * one unwrap per instance, signing is local: no KMS call per token.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { SigningSettings } from '../config.js';
import type { KeyKind } from '../keyring/key-kind.js';
import type { PublicJwk } from '../keyring/key-ring-policy.js';
import { planSigningRing, SIGNING_ALG, SIGNING_RING, signingRingPolicy } from './signing-key-policy.js';

export interface SigningMaterial {
  privateKey: KeyObject;
}

export function signingKeyKind(settings: SigningSettings): KeyKind<SigningMaterial> {
  return {
    ring: SIGNING_RING,
    alg: SIGNING_ALG,
    policy: signingRingPolicy(settings),
    plan: (keys, now) => planSigningRing(keys, now, settings),
    async mint(keyWrapper, context) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
      try {
        const wrapped = await keyWrapper.wrap(pkcs8, context);
        return { material: { privateKey }, wrapped: wrapped.wrapped, wrappedBy: wrapped.wrappedBy, publicJwk: publicJwk(publicKey) };
      } finally {
        pkcs8.fill(0);
      }
    },
    open(plaintext) {
      const privateKey = createPrivateKey({ key: Buffer.from(plaintext), format: 'der', type: 'pkcs8' });
      plaintext.fill(0);
      if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new Error('signing key is not a P-256 key');
      }
      return { privateKey };
    },
  };
}

function publicJwk(publicKey: KeyObject): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('unexpected public key export');
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}
