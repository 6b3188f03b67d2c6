/**
 * Revoking keys the way an operator needs it: whatever the ring will lack once the revocation
 * is written (a key that can be used, a successor ready to take over) is created first, under
 * the ring's lease, and only then are the keys revoked. So no instance ever reads the ring with
 * nothing usable in it, and a replacement exists (and, for signing, starts propagating) from the
 * moment of the revocation instead of from the next request or the next scheduled rotation.
 */
import { applyRevocations, type KeyRecord } from './key-ring-policy.js';
import type { KeyKind } from './key-kind.js';
import { rotateRing, type KeyDescription, type RingRotation, type RotationDeps } from './rotation.js';

/** One key by id, or every key created before a date (ASP.NET's revocation element). */
export type Revocation = { keyId: string } | { createdBefore: Date };

export type RevocationOutcome = { revoked: false } | { revoked: true; created: KeyDescription[] };

/** The ring as it reads once `revocation`, made at `at`, is written. */
export function withRevocation(keys: readonly KeyRecord[], revocation: Revocation, at: Date): KeyRecord[] {
  if ('createdBefore' in revocation) return applyRevocations(keys, [{ createdBefore: revocation.createdBefore, revokedAt: at }]);
  return keys.map((key) => (key.keyId === revocation.keyId && key.revokedAt === undefined ? { ...key, revokedAt: at } : key));
}

/** `{ revoked: false }` when the ring has no such key (nothing is created then). */
export async function revokeKeys(
  deps: Omit<RotationDeps, 'kinds'>,
  kind: KeyKind<unknown>,
  revocation: Revocation,
  now: Date,
): Promise<RevocationOutcome> {
  const { repository } = deps;
  if ('keyId' in revocation) {
    const keys = await repository.load(kind.ring, { consistent: true });
    if (!keys.some((key) => key.keyId === revocation.keyId)) return { revoked: false };
  }
  let ahead: RingRotation | undefined;
  let failure: unknown;
  try {
    ahead = await rotateRing(deps, kind, now, (keys) => withRevocation(keys, revocation, now));
  } catch (error) {
    failure = error;
  }
  // Revoking matters more than replacing: a compromised key must not stay usable because KMS
  // (or the operator's access to it) failed the replacement.
  if ('keyId' in revocation) await repository.revoke(kind.ring, revocation.keyId, now);
  else await repository.revokeCreatedBefore(kind.ring, revocation.createdBefore, now);
  if (ahead === undefined) throw new ReplacementNotCreatedError(kind.ring, failure);
  // A rotation racing this one may have planned against the ring before the revocation.
  const after = await rotateRing(deps, kind, now);
  return { revoked: true, created: [...ahead.created, ...after.created] };
}

/** The keys are revoked, but what should replace them could not be created; `keys rotate` (or the scheduled rotation, or the next request) makes it later. */
export class ReplacementNotCreatedError extends Error {
  constructor(ring: string, cause: unknown) {
    super(`the keys of ring "${ring}" are revoked, but no replacement could be created: run \`keys rotate\` once KMS is reachable`, { cause });
    this.name = 'ReplacementNotCreatedError';
  }
}
