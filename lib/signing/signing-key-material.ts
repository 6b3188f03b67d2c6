/**
 * Signing keys: generated in-process (ES256: P-256; RS256: RSA-2048), the PKCS#8 private key
 * wrapped with KMS Encrypt under `{ app, ring, keyId }` (an RSA-2048 PKCS#8 key is ~1.2 KB,
 * well under Encrypt's 4 KB), the public JWK stored in clear beside it. After one unwrap per
 * instance, signing is local: no KMS call per token.
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningSettings } from '../config.js';
import type { KeyKind } from '../keyring/key-kind.js';
import type { PublicJwk } from '../keyring/key-ring-policy.js';
import { planSigningRing, SIGNING_RINGS, signingRingPolicy, type SigningAlg } from './signing-key-policy.js';

export interface SigningMaterial {
  privateKey: KeyObject;
}

const generate = promisify(generateKeyPair);
const RSA_MODULUS_BITS = 2048;

export function signingKeyKind(settings: SigningSettings, alg: SigningAlg = 'ES256'): KeyKind<SigningMaterial> {
  return {
    ring: SIGNING_RINGS[alg],
    alg,
    policy: signingRingPolicy(settings),
    plan: (keys, now) => planSigningRing(keys, now, settings),
    async mint(keyWrapper, context) {
      // Asynchronous: an RSA key takes tens of milliseconds, which must not stall the event loop.
      const { privateKey, publicKey } =
        alg === 'ES256' ? await generate('ec', { namedCurve: 'P-256' }) : await generate('rsa', { modulusLength: RSA_MODULUS_BITS, publicExponent: 0x10001 });
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
      if (!fitsAlgorithm(privateKey, alg)) throw new Error(`signing key is not an ${alg} key`);
      return { privateKey };
    },
  };
}

function fitsAlgorithm(key: KeyObject, alg: SigningAlg): boolean {
  const details = key.asymmetricKeyDetails;
  if (alg === 'ES256') return key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1';
  return key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= RSA_MODULUS_BITS;
}

function publicJwk(publicKey: KeyObject): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y) return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  if (jwk.kty === 'RSA' && jwk.n && jwk.e) return { kty: 'RSA', n: jwk.n, e: jwk.e };
  throw new Error('unexpected public key export');
}
