/**
 * Adding a key to a ring under a lease: every instance that read the same ring state races
 * for the same lease item, and the DynamoDB transaction lets exactly one of them add its key.
 * Used by request handlers (ring with no usable key) and by scheduled rotation (successors).
 */
import { randomUUID } from 'node:crypto';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import type { KeyRingRepository } from './key-ring-repository.js';
import type { KeyKind } from './key-kind.js';
import type { KeyLifecycle, KeyRecord, Lease } from './key-ring-policy.js';

export interface KeyCreationDeps<M> {
  app: string;
  kind: KeyKind<M>;
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
}

export interface CreatedKey<M> {
  record: KeyRecord;
  material: M;
}

/** The new key, or undefined when another instance won the lease (re-read the ring, consistently). */
export async function createKeyUnderLease<M>(
  deps: KeyCreationDeps<M>,
  lifecycle: KeyLifecycle,
  lease: Lease,
): Promise<CreatedKey<M> | undefined> {
  const keyId = randomUUID();
  const minted = await deps.kind.mint(deps.keyWrapper, { app: deps.app, ring: deps.kind.ring, keyId });
  const record: KeyRecord = {
    keyId,
    generation: lease.generation,
    createdAt: lifecycle.createdAt,
    activatesAt: lifecycle.activatesAt,
    expiresAt: lifecycle.expiresAt,
    wrapped: minted.wrapped,
    wrappedBy: minted.wrappedBy,
    alg: deps.kind.alg,
    ...(minted.publicJwk !== undefined && { publicJwk: minted.publicJwk }),
  };
  const won = await deps.repository.create(deps.kind.ring, record, lease.leaseId);
  return won ? { record, material: minted.material } : undefined;
}
