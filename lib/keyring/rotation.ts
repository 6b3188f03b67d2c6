/**
 * Scheduled rotation: for each ring it is given (lib/runtime passes data protection and
 * signing), create what the ring's plan asks for: the successor once the current key is
 * within its lead time (or whenever the kind's own plan wants one), or a key at once when the
 * ring has none usable. One run brings a ring all the way to its plan, however many keys that
 * takes. Idempotent and safe to run on several instances together: each creation goes through
 * the ring's lease, a loser re-reads and finds nothing left to do.
 */
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import type { KeyRingRepository } from './key-ring-repository.js';
import { createKeyUnderLease } from './key-creation.js';
import type { KeyKind } from './key-kind.js';
import { pendingSuccessor, planRing, type KeyRecord, type RingPlan } from './key-ring-policy.js';

export interface RotationDeps {
  /** The application name: the `app` of every key's KMS encryption context. */
  app: string;
  /** The rings to rotate, each described by its key kind. */
  kinds: readonly KeyKind<unknown>[];
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
  clock?: Clock;
}

/** A key by its id and dates only: safe to log and print. */
export interface KeyDescription {
  keyId: string;
  activatesAt: string;
  expiresAt: string;
}

/** What rotation did to one ring. Ids and dates only: safe to log. */
export interface RingRotation {
  ring: string;
  /** The first thing the run did: 'none' when the ring already had what its plan asks for. */
  action: 'none' | 'created-successor' | 'created-immediate';
  /** The default key at `now` (before any creation). */
  currentKeyId?: string;
  /** The key that takes over next: the first one created now, or the one already waiting. */
  successor?: KeyDescription;
  /** Every key this run created, in order (a successor's successor may follow the first). */
  created: KeyDescription[];
}

/** Lost leases and creations together; a plan never asks for more than a few keys in a row. */
const MAX_ROUNDS = 8;

export async function rotateAhead(deps: RotationDeps, now: Date = new Date((deps.clock ?? systemClock)())): Promise<RingRotation[]> {
  const results: RingRotation[] = [];
  for (const kind of deps.kinds) results.push(await rotateRing(deps, kind, now));
  return results;
}

/**
 * Brings one ring to its plan. `assume` shows the plan the ring as it is about to become (the
 * revoke command plans against the ring with its revocation applied, before writing it).
 */
export async function rotateRing(
  deps: Omit<RotationDeps, 'kinds'>,
  kind: KeyKind<unknown>,
  now: Date,
  assume: (keys: readonly KeyRecord[]) => readonly KeyRecord[] = (keys) => keys,
): Promise<RingRotation> {
  const creation = { app: deps.app, kind, repository: deps.repository, keyWrapper: deps.keyWrapper };
  const plan = (keys: readonly KeyRecord[]): RingPlan => (kind.plan ? kind.plan(keys, now) : planRing(keys, now, kind.policy));
  let first: { action: RingRotation['action']; currentKeyId?: string } | undefined;
  const created: KeyRecord[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const keys = assume(await deps.repository.load(kind.ring, { consistent: true }));
    const step = plan(keys);
    if (step.action === 'none') {
      const currentKeyId = first === undefined ? step.current.keyId : first.currentKeyId;
      const successor = created[0] ?? pendingSuccessor(keys, step.current);
      return {
        ring: kind.ring,
        action: first?.action ?? 'none',
        ...(currentKeyId !== undefined && { currentKeyId }),
        ...(successor && { successor: describe(successor) }),
        created: created.map(describe),
      };
    }
    const key = await createKeyUnderLease(creation, step.lifecycle, step.lease);
    // Lost the lease: another instance added a key; re-read and plan again.
    if (key === undefined) continue;
    first ??= step.action === 'create-successor' ? { action: 'created-successor', currentKeyId: step.current.keyId } : { action: 'created-immediate' };
    created.push(key.record);
  }
  throw new Error(`rotation of ring "${kind.ring}" did not settle after ${MAX_ROUNDS} rounds`);
}

function describe(key: KeyRecord): KeyDescription {
  return { keyId: key.keyId, activatesAt: key.activatesAt.toISOString(), expiresAt: key.expiresAt.toISOString() };
}
