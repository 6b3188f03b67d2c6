/**
 * What differs between rings: how a new key's material is made and wrapped, and how
 * unwrapped bytes become usable material. Everything else (policy, cache, leases, unwrap
 * caching) is shared by the data-protection ring and the signing ring.
 */
import type { KeyWrapper, WrapContext } from '../kms/key-wrapper.js';
import type { KeyRecord, PublicJwk, RingPlan, RingPolicy } from './key-ring-policy.js';

export interface MintedKey<M> {
  material: M;
  wrapped: Uint8Array;
  wrappedBy: string;
  publicJwk?: PublicJwk;
}

export interface KeyKind<M> {
  /** Ring name (`ring#<ring>` in the keys table, `ring` in the wrap context). */
  readonly ring: string;
  readonly alg: string;
  readonly policy: RingPolicy;
  /**
   * What rotation should add to the ring at `now`, for a ring whose hand-over rules differ from
   * `planRing(keys, now, policy)` (which applies when this is absent).
   */
  plan?(keys: readonly KeyRecord[], now: Date): RingPlan;
  /** New key material, wrapped under `context`. */
  mint(keyWrapper: KeyWrapper, context: WrapContext): Promise<MintedKey<M>>;
  /** Usable material from the unwrapped bytes of `record`. */
  open(plaintext: Uint8Array, record: KeyRecord): M;
}
