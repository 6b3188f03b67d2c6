/**
 * Signing-key timing on top of the shared key-ring policy. A signing key is published in
 * JWKS from `createdAt` and may sign once it has been published for `propagationS` (relying
 * parties cache JWKS, so a key they have not fetched yet must not sign); only the ring's very
 * first key signs at once, since no JWKS without it was ever published. It signs from
 * `activatesAt`, retires when its successor activates (its `expiresAt`) and stays published
 * `retentionS` longer, until every token it signed expired.
 *
 * The ring always holds, besides the key that signs, a published successor: revoking the
 * signing key hands over to that successor at once instead of to a key nobody has fetched.
 */
import type { SigningSettings } from '../config.js';
import {
  immediateLifecycle,
  isRevoked,
  leaseFor,
  pendingSuccessor,
  preferred,
  successorLifecycle,
  type KeyRecord,
  type PublicJwk,
  type RingPlan,
  type RingPolicy,
} from '../keyring/key-ring-policy.js';

/** ES256 signs every access token and, unless a client asks for RS256, every ID token: smaller and cheaper. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGORITHMS)[number];
export const DEFAULT_SIGNING_ALG: SigningAlg = 'ES256';

/**
 * One ring per algorithm, each rotated, published and retained on its own (a JWK has one alg,
 * and a relying party verifying RS256 must find an RSA key published as long as an EC one).
 * ES256 keeps the ring name it always had, so the keys of existing deployments stay in use.
 */
export const SIGNING_RINGS: Readonly<Record<SigningAlg, string>> = { ES256: 'signing', RS256: 'signing-rs256' };
export const SIGNING_RING = SIGNING_RINGS.ES256;

export function isSigningAlg(value: unknown): value is SigningAlg {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** One entry of the JWKS document: public parameters only. */
export type PublishedJwk = PublicJwk & { kid: string; alg: SigningAlg; use: 'sig' };

/** The keys' timing; how often an instance re-reads the ring is not policy. */
type Timing = Omit<SigningSettings, 'revocationCheckS'>;

export function signingRingPolicy(settings: Timing): RingPolicy {
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
  if (!isSigningAlg(key.alg)) throw new Error(`signing key ${key.keyId} has an unknown algorithm`);
  const params = jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, n: jwk.n, e: jwk.e };
  return { ...params, kid: key.keyId, alg: key.alg, use: 'sig' };
}

/** The ring's first key (generation 1): nothing was ever published before it, so it needs no propagation. */
const GENESIS = 1;

/** When `key` may sign: once relying parties have had `propagationS` to fetch it from JWKS. */
export function readyAt(key: KeyRecord, settings: Pick<SigningSettings, 'propagationS'>): number {
  return key.generation === GENESIS ? Number.NEGATIVE_INFINITY : key.createdAt.getTime() + settings.propagationS * 1000;
}

export type SigningChoice =
  | { status: 'ready'; key: KeyRecord }
  /** Keys exist, but none has been published long enough (everything else revoked): `next` signs from `readyAt`. */
  | { status: 'not-ready'; next: KeyRecord; readyAt: Date }
  /** Nothing that could ever sign: a key must be created. */
  | { status: 'none' };

/**
 * The key that signs at `now`: among keys published long enough, the active one with the
 * latest activation (the normal hand-over), else the successor next in line, which takes over
 * early (its predecessor was revoked). Never a key published for less than `propagationS`.
 */
export function signingKeyAt(keys: readonly KeyRecord[], now: Date, settings: Pick<SigningSettings, 'propagationS'>): SigningChoice {
  const at = now.getTime();
  const live = keys.filter((key) => !isRevoked(key) && at < key.expiresAt.getTime());
  if (live.length === 0) return { status: 'none' };
  const ready = live.filter((key) => readyAt(key, settings) <= at);
  const active = ready.filter((key) => key.activatesAt.getTime() <= at).sort(preferred);
  const nextInLine = ready.filter((key) => key.activatesAt.getTime() > at).sort(byActivation);
  const key = active[0] ?? nextInLine[0];
  if (key !== undefined) return { status: 'ready', key };
  // The first to become ready; among keys made together, the one meant to activate first.
  const next = [...live].sort((a, b) => readyAt(a, settings) - readyAt(b, settings) || byActivation(a, b))[0]!;
  return { status: 'not-ready', next, readyAt: new Date(readyAt(next, settings)) };
}

/** Earliest activation first; ties in the shared deterministic order. */
function byActivation(a: KeyRecord, b: KeyRecord): number {
  return a.activatesAt.getTime() - b.activatesAt.getTime() || preferred(a, b);
}

/**
 * What the signing ring needs at `now` (rotation and the revoke command act on it): a key when
 * nothing can sign now or later; a successor for the key that signs (or will sign first) as
 * soon as it has none; and, once that successor takes over within the lead time, the
 * successor's own successor, so it is published long enough when the hand-over comes.
 */
export function planSigningRing(keys: readonly KeyRecord[], now: Date, settings: Timing): RingPlan {
  const policy = signingRingPolicy(settings);
  const choice = signingKeyAt(keys, now, settings);
  if (choice.status === 'none') return { action: 'create-immediate', lifecycle: immediateLifecycle(now, policy), lease: leaseFor(keys) };
  const current = choice.status === 'ready' ? choice.key : choice.next;
  // Activation strictly increases along successors, so this walk ends.
  for (let key = current; ; ) {
    const successor = pendingSuccessor(keys, key);
    if (successor === undefined) return { action: 'create-successor', current, lifecycle: successorLifecycle(key, now, policy), lease: leaseFor(keys) };
    if (successor.activatesAt.getTime() - now.getTime() > policy.successorLeadS * 1000) return { action: 'none', current };
    key = successor;
  }
}
