/**
 * Signing-key timing on top of the shared key-ring policy. A signing key is published in
 * JWKS from `createdAt`, signs from `activatesAt` (at least `propagationS` after creation,
 * except a key made because nothing could sign), retires when its successor activates (its
 * `expiresAt`) and stays published `retentionS` longer, until every token it signed expired.
 */
import type { SigningSettings } from '../config.js';
import { isRevoked, type KeyRecord, type PublicJwk, type RingPolicy } from '../keyring/key-ring-policy.js';

export const SIGNING_RING = 'signing';
export const SIGNING_ALG = 'ES256';

/** One entry of the JWKS document: public parameters only. */
export interface PublishedJwk extends PublicJwk {
  kid: string;
  alg: typeof SIGNING_ALG;
  use: 'sig';
}

export function signingRingPolicy(settings: SigningSettings): RingPolicy {
  // Rotation may create the successor any time in the last 2 x propagationS of the current
  // key and it still activates exactly at the hand-over, published for at least propagationS.
  return { keyLifetimeS: settings.keyLifetimeS, successorLeadS: 2 * settings.propagationS, propagationS: settings.propagationS };
}

export function isPublished(key: KeyRecord, now: Date, settings: Pick<SigningSettings, 'retentionS'>): boolean {
  return (
    !isRevoked(key) &&
    key.publicJwk !== undefined &&
    key.createdAt.getTime() <= now.getTime() &&
    now.getTime() < key.expiresAt.getTime() + settings.retentionS * 1000
  );
}

/** The JWKS keys at `now`, the latest-activating first. */
export function publishedSigningKeys(keys: readonly KeyRecord[], now: Date, settings: Pick<SigningSettings, 'retentionS'>): PublishedJwk[] {
  return keys
    .filter((key) => isPublished(key, now, settings))
    .sort((a, b) => b.activatesAt.getTime() - a.activatesAt.getTime() || (a.keyId < b.keyId ? -1 : 1))
    .map(toPublishedJwk);
}

export function toPublishedJwk(key: KeyRecord): PublishedJwk {
  const jwk = key.publicJwk;
  if (jwk === undefined) throw new Error(`signing key ${key.keyId} has no public key`);
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: key.keyId, alg: SIGNING_ALG, use: 'sig' };
}
