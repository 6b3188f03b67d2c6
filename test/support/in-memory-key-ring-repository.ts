/**
 * `KeyRingRepository` in memory, held to the same contract tests as the DynamoDB one
 * (test/support/contracts/key-ring-repository-contract.ts). For unit tests and benchmarks
 * only: instances sharing it must share the object.
 */
import { applyRevocations, type KeyRecord, type RingRevocation } from '../../lib/keyring/key-ring-policy.js';
import type { KeyRingRepository } from '../../lib/keyring/key-ring-repository.js';

interface MemoryRing {
  keys: Map<string, KeyRecord>;
  leases: Set<string>;
  revocations: Map<string, RingRevocation>;
}

export class InMemoryKeyRingRepository implements KeyRingRepository {
  private readonly rings = new Map<string, MemoryRing>();
  /** Calls per method, for tests that count reads. */
  readonly calls = { load: 0, create: 0, revoke: 0, revokeCreatedBefore: 0 };

  async load(ring: string): Promise<KeyRecord[]> {
    this.calls.load++;
    const state = this.ring(ring);
    return applyRevocations([...state.keys.values()].map(copy), [...state.revocations.values()]);
  }

  async create(ring: string, record: KeyRecord, leaseId: string): Promise<boolean> {
    this.calls.create++;
    const state = this.ring(ring);
    if (state.leases.has(leaseId) || state.keys.has(record.keyId)) return false;
    state.leases.add(leaseId);
    state.keys.set(record.keyId, copy(record));
    return true;
  }

  async revoke(ring: string, keyId: string, at: Date): Promise<boolean> {
    this.calls.revoke++;
    const key = this.ring(ring).keys.get(keyId);
    if (key === undefined) return false;
    key.revokedAt ??= new Date(at.getTime());
    return true;
  }

  async revokeCreatedBefore(ring: string, createdBefore: Date, at: Date): Promise<void> {
    this.calls.revokeCreatedBefore++;
    if (createdBefore.getTime() > at.getTime()) throw new RangeError('createdBefore must not be later than the revocation time');
    const revocations = this.ring(ring).revocations;
    const id = createdBefore.toISOString();
    if (!revocations.has(id)) revocations.set(id, { createdBefore: new Date(createdBefore.getTime()), revokedAt: new Date(at.getTime()) });
  }

  private ring(ring: string): MemoryRing {
    let state = this.rings.get(ring);
    if (state === undefined) {
      state = { keys: new Map(), leases: new Set(), revocations: new Map() };
      this.rings.set(ring, state);
    }
    return state;
  }
}

/** A deep copy (dates too), as a read from DynamoDB would be: callers never share the stored record. */
function copy(record: KeyRecord): KeyRecord {
  // Not structuredClone for the bytes: it would copy a pooled Buffer's whole backing store.
  const { wrapped, ...rest } = record;
  return { ...structuredClone(rest), wrapped: Uint8Array.from(wrapped) };
}
