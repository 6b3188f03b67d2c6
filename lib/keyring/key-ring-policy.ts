/**
 * Key-ring policy: which key protects (or signs) now, when a successor is due, what a new
 * key's lifecycle is, and which lease a creator must win. Pure: `(keys, now, policy)` in,
 * decisions out. Shared by the data-protection ring and the signing ring; the I/O lives in
 * the repository (lib/store) and the providers.
 */

/** Public half of a signing key, stored in clear beside the wrapped private key. */
export type PublicJwk = { kty: 'EC'; crv: string; x: string; y: string } | { kty: 'RSA'; n: string; e: string };

export interface KeyRecord {
  /** Random UUID; also the `kid` of signing keys and the 16-byte key id inside payloads. */
  keyId: string;
  /**
   * 1 for the first key of a ring, then one more than the highest existing. Independent of
   * clocks, so the lease a creator must win is the same on every instance (see leaseFor).
   */
  generation: number;
  createdAt: Date;
  activatesAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
  /** Key material wrapped by the KeyWrapper under `{ app, ring, keyId }`. */
  wrapped: Uint8Array;
  /** ARN of the wrapping key. */
  wrappedBy: string;
  /** `A256GCM-HKDF` for data-protection master keys, `ES256` or `RS256` for signing keys. */
  alg: string;
  publicJwk?: PublicJwk;
}

/** "Every key created before `createdBefore` is revoked" (ASP.NET's revocation element). */
export interface RingRevocation {
  createdBefore: Date;
  revokedAt: Date;
}

export interface RingPolicy {
  /** How long a key is the default once it activates. */
  keyLifetimeS: number;
  /** A successor is created once the current key expires within this window. */
  successorLeadS: number;
  /**
   * Least time between a successor's creation and its activation (signing keys: JWKS
   * propagation). 0 for data protection, where successors are made ahead anyway.
   */
  propagationS: number;
}

export interface KeyLifecycle {
  createdAt: Date;
  activatesAt: Date;
  expiresAt: Date;
}

export type RingPlan =
  /** The ring has a default key and its successor is in place or not yet due. */
  | { action: 'none'; current: KeyRecord }
  /** The default key expires within the lead time and nothing follows it. */
  | { action: 'create-successor'; current: KeyRecord; lifecycle: KeyLifecycle; lease: Lease }
  /** No usable key at all (empty ring, everything revoked or expired): create one that activates now. */
  | { action: 'create-immediate'; lifecycle: KeyLifecycle; lease: Lease };

export interface Lease {
  leaseId: string;
  /** Generation the created key gets. */
  generation: number;
}

const MS = 1000;

export function isRevoked(key: KeyRecord): boolean {
  return key.revokedAt !== undefined;
}

/** Active: may be the default (protect / sign). Created, active and expired keys all unprotect unless revoked. */
export function isActive(key: KeyRecord, now: Date): boolean {
  return !isRevoked(key) && key.activatesAt.getTime() <= now.getTime() && now.getTime() < key.expiresAt.getTime();
}

/**
 * Deterministic total order "which key is preferred": later activation first, then later
 * creation, then higher generation, then key id. Every instance with the same ring agrees.
 */
export function preferred(a: KeyRecord, b: KeyRecord): number {
  return (
    b.activatesAt.getTime() - a.activatesAt.getTime() ||
    b.createdAt.getTime() - a.createdAt.getTime() ||
    b.generation - a.generation ||
    (a.keyId < b.keyId ? 1 : a.keyId > b.keyId ? -1 : 0)
  );
}

/**
 * Instance clocks differ slightly. A key another instance just created "now" may look a few
 * moments early here; without this tolerance this instance would see no usable key and create
 * a second one. (ASP.NET's maxServerToServerClockSkew plays the same role.)
 */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * ASP.NET-like default key: the active, non-revoked key with the latest activation. Only when
 * no key is active at all, a key activating within the clock skew counts (see CLOCK_SKEW_MS);
 * a scheduled hand-over still happens exactly at the current key's expiry.
 */
export function defaultKey(keys: readonly KeyRecord[], now: Date): KeyRecord | undefined {
  let best: KeyRecord | undefined;
  for (const key of keys) {
    if (isActive(key, now) && (best === undefined || preferred(key, best) < 0)) best = key;
  }
  if (best !== undefined) return best;
  const soon = new Date(now.getTime() + CLOCK_SKEW_MS);
  for (const key of keys) {
    if (isActive(key, soon) && now.getTime() < key.expiresAt.getTime() && (best === undefined || preferred(key, best) < 0)) best = key;
  }
  return best;
}

/**
 * A non-revoked key that takes over from `current`: activates later and outlives it. (Any
 * key activating later than the default is not active yet, so it is a pending successor.)
 */
export function pendingSuccessor(keys: readonly KeyRecord[], current: KeyRecord): KeyRecord | undefined {
  return keys.find(
    (key) =>
      key.keyId !== current.keyId &&
      !isRevoked(key) &&
      key.activatesAt.getTime() > current.activatesAt.getTime() &&
      key.expiresAt.getTime() > current.expiresAt.getTime(),
  );
}

/** The ring has no key that may protect/sign now: a request handler must create one immediately. */
export function needsImmediateKey(keys: readonly KeyRecord[], now: Date): boolean {
  return defaultKey(keys, now) === undefined;
}

/** The default key expires within `successorLeadS` and no successor is in place. */
export function needsSuccessor(keys: readonly KeyRecord[], now: Date, policy: RingPolicy): boolean {
  const current = defaultKey(keys, now);
  if (current === undefined) return false;
  const dueAt = current.expiresAt.getTime() - policy.successorLeadS * MS;
  return now.getTime() >= dueAt && pendingSuccessor(keys, current) === undefined;
}

/** A key for a ring with nothing usable: activates at once (first deploy, everything revoked). */
export function immediateLifecycle(now: Date, policy: RingPolicy): KeyLifecycle {
  const at = now.getTime();
  return { createdAt: new Date(at), activatesAt: new Date(at), expiresAt: new Date(at + policy.keyLifetimeS * MS) };
}

/**
 * A successor activates exactly when the current key expires, so the hand-over has no gap
 * and no overlap. If rotation ran late, activation waits for the propagation time instead
 * (signing: relying parties must be able to see the key in JWKS before it signs).
 */
export function successorLifecycle(current: KeyRecord, now: Date, policy: RingPolicy): KeyLifecycle {
  const activatesAt = Math.max(current.expiresAt.getTime(), now.getTime() + policy.propagationS * MS);
  return {
    createdAt: new Date(now.getTime()),
    activatesAt: new Date(activatesAt),
    expiresAt: new Date(activatesAt + policy.keyLifetimeS * MS),
  };
}

/**
 * The lease every instance racing to add a key to this ring state must win. Derived from the
 * newest key (highest generation), so instances that read the same ring compute the same
 * lease, and an instance with a stale ring computes a lease that is already taken.
 */
export function leaseFor(keys: readonly KeyRecord[]): Lease {
  let newest: KeyRecord | undefined;
  for (const key of keys) {
    if (newest === undefined || key.generation > newest.generation) newest = key;
  }
  if (newest === undefined) return { leaseId: 'genesis', generation: 1 };
  return { leaseId: `after-${newest.keyId}`, generation: newest.generation + 1 };
}

/** What a ring needs at `now`. Rotation acts on every action; request handlers only on `create-immediate`. */
export function planRing(keys: readonly KeyRecord[], now: Date, policy: RingPolicy): RingPlan {
  const current = defaultKey(keys, now);
  if (current === undefined) {
    return { action: 'create-immediate', lifecycle: immediateLifecycle(now, policy), lease: leaseFor(keys) };
  }
  if (needsSuccessor(keys, now, policy)) {
    return { action: 'create-successor', current, lifecycle: successorLifecycle(current, now, policy), lease: leaseFor(keys) };
  }
  return { action: 'none', current };
}

/** Keys a "revoke everything created before" covers. */
export function createdBefore(keys: readonly KeyRecord[], date: Date): KeyRecord[] {
  return keys.filter((key) => key.createdAt.getTime() < date.getTime());
}

/** Keys with ring-level revocations folded in; the earliest revocation wins. */
export function applyRevocations(keys: readonly KeyRecord[], revocations: readonly RingRevocation[]): KeyRecord[] {
  if (revocations.length === 0) return [...keys];
  return keys.map((key) => {
    let revokedAt = key.revokedAt?.getTime();
    for (const revocation of revocations) {
      if (key.createdAt.getTime() < revocation.createdBefore.getTime()) {
        const at = revocation.revokedAt.getTime();
        if (revokedAt === undefined || at < revokedAt) revokedAt = at;
      }
    }
    return revokedAt === undefined ? key : { ...key, revokedAt: new Date(revokedAt) };
  });
}

export type KeyStatus = 'revoked' | 'pending' | 'default' | 'active' | 'expired';

/** For operators (`scripts/keys.ts list`). */
export function keyStatus(key: KeyRecord, keys: readonly KeyRecord[], now: Date): KeyStatus {
  if (isRevoked(key)) return 'revoked';
  if (now.getTime() < key.activatesAt.getTime()) return 'pending';
  if (now.getTime() >= key.expiresAt.getTime()) return 'expired';
  return defaultKey(keys, now)?.keyId === key.keyId ? 'default' : 'active';
}
