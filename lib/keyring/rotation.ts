/**
 * Scheduled rotation: for each ring it is given (lib/runtime passes data protection and
 * signing), create the successor once the
 * current key is within its lead time, or a key at once when the ring has none usable.
 * Idempotent and safe to run on several instances together: each creation goes through the
 * ring's lease, a loser re-reads and finds nothing left to do.
 */
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import type { KeyRingRepository } from './key-ring-repository.js';
import { createKeyUnderLease } from './key-creation.js';
import type { KeyKind } from './key-kind.js';
import { pendingSuccessor, planRing, type KeyRecord } from './key-ring-policy.js';

export interface RotationDeps {
  /** The application name: the `app` of every key's KMS encryption context. */
  app: string;
  /** The rings to rotate, each described by its key kind. */
  kinds: readonly KeyKind<unknown>[];
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
  clock?: Clock;
}

/** What rotation did to one ring. Ids and dates only: safe to log. */
export interface RingRotation {
  ring: string;
  action: 'none' | 'created-successor' | 'created-immediate';
  /** The default key at `now` (before any creation). */
  currentKeyId?: string;
  /** The key that takes over next: the one created now or the one already waiting. */
  successor?: { keyId: string; activatesAt: string; expiresAt: string };
}

const MAX_ROUNDS = 4;

export async function rotateAhead(deps: RotationDeps, now: Date = new Date((deps.clock ?? systemClock)())): Promise<RingRotation[]> {
  const results: RingRotation[] = [];
  for (const kind of deps.kinds) results.push(await rotateRing(deps, kind, now));
  return results;
}

async function rotateRing(deps: RotationDeps, kind: KeyKind<unknown>, now: Date): Promise<RingRotation> {
  const creation = { app: deps.app, kind, repository: deps.repository, keyWrapper: deps.keyWrapper };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const keys = await deps.repository.load(kind.ring, { consistent: true });
    const plan = planRing(keys, now, kind.policy);
    if (plan.action === 'none') {
      const successor = pendingSuccessor(keys, plan.current);
      return { ring: kind.ring, action: 'none', currentKeyId: plan.current.keyId, ...(successor && { successor: describe(successor) }) };
    }
    const created = await createKeyUnderLease(creation, plan.lifecycle, plan.lease);
    if (created !== undefined) {
      return {
        ring: kind.ring,
        action: plan.action === 'create-successor' ? 'created-successor' : 'created-immediate',
        ...(plan.action === 'create-successor' && { currentKeyId: plan.current.keyId }),
        successor: describe(created.record),
      };
    }
    // Another instance won this round: re-read and decide again.
  }
  throw new Error(`rotation of ring "${kind.ring}" kept losing the creation lease`);
}

function describe(key: KeyRecord): NonNullable<RingRotation['successor']> {
  return { keyId: key.keyId, activatesAt: key.activatesAt.toISOString(), expiresAt: key.expiresAt.toISOString() };
}
