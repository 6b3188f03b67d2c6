/**
 * The storage port of a key ring: what the ring needs from a table. lib/store implements it on
 * DynamoDB; test/support keeps an in-memory twin that passes the same contract tests.
 */
import type { KeyRecord } from './key-ring-policy.js';

export interface LoadOptions {
  /** Strongly consistent read: used right after losing a creation race and by operators. */
  consistent?: boolean;
}

export interface KeyRingRepository {
  /** Every key of the ring, ring-level revocations folded into `revokedAt`. */
  load(ring: string, options?: LoadOptions): Promise<KeyRecord[]>;
  /** Adds `record` if this caller wins `leaseId`; false when another instance already did. */
  create(ring: string, record: KeyRecord, leaseId: string): Promise<boolean>;
  /** Revokes one key (keeps an earlier revocation); false when the ring has no such key. */
  revoke(ring: string, keyId: string, at: Date): Promise<boolean>;
  /** Revokes every key created before `createdBefore`, including any a racing instance is adding right now. */
  revokeCreatedBefore(ring: string, createdBefore: Date, at: Date): Promise<void>;
}
