/**
 * Per-instance access to a ring's keys: the cached ring (KeyRingCache), lazily unwrapped key
 * material, and, when the ring has no usable key at all, creation of one under the ring's
 * lease. A cold instance unwraps only the key it needs; concurrent callers share loads,
 * unwraps and creations, so one instance never stampedes DynamoDB or KMS.
 */
import type { Clock } from '../clock.js';
import { IdentityServerError } from '../errors.js';
import { KeyUnwrapError } from '../kms/key-unwrap-error.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { logger } from '../observability/logger.js';
import { countMetric } from '../observability/metrics.js';
import type { KeyRingRepository } from './key-ring-repository.js';
import { createKeyUnderLease, type CreatedKey } from './key-creation.js';
import type { KeyKind } from './key-kind.js';
import { KeyRingCache } from './key-ring-cache.js';
import { defaultKey, immediateLifecycle, isRevoked, leaseFor, type KeyRecord } from './key-ring-policy.js';

export interface KeyRingProviderOptions<M> {
  app: string;
  kind: KeyKind<M>;
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
  clock: Clock;
  refreshIntervalS: number;
  unknownKeyRefreshMinIntervalS: number;
}

export interface ResolvedKey<M> {
  record: KeyRecord;
  material: M;
}

export type KeyLookup<M> =
  | { status: 'found'; key: ResolvedKey<M> }
  | { status: 'unknown' }
  | { status: 'revoked' }
  /** The record exists but its wrapped key does not unwrap under its own context (copied or altered). */
  | { status: 'unusable' };

/** The ring still had no usable key after this many lost creation rounds (only under pathological contention). */
export class NoUsableKeyError extends IdentityServerError {
  readonly code = 'no_usable_key';

  constructor(ring: string) {
    super(`key ring "${ring}" has no usable key and none could be created`);
  }
}

const MAX_CREATION_ROUNDS = 6;

export class KeyRingProvider<M> {
  readonly ring: string;
  private readonly options: KeyRingProviderOptions<M>;
  private readonly cache: KeyRingCache;
  private readonly materials = new Map<string, Promise<M>>();
  /** Materials whose unwrap completed, for the synchronous warm path. */
  private readonly unwrapped = new Map<string, M>();
  private creation: Promise<ResolvedKey<M>> | undefined;

  constructor(options: KeyRingProviderOptions<M>) {
    this.options = options;
    this.ring = options.kind.ring;
    this.cache = new KeyRingCache({
      repository: options.repository,
      ring: options.kind.ring,
      clock: options.clock,
      refreshIntervalS: options.refreshIntervalS,
      unknownKeyRefreshMinIntervalS: options.unknownKeyRefreshMinIntervalS,
    });
  }

  /** The ring's records as this instance currently sees them (refreshing when due). */
  keys(): Promise<readonly KeyRecord[]> {
    return this.cache.keys();
  }

  /** The default key (protect / sign), created when the ring has no usable key at all. */
  async currentKey(): Promise<ResolvedKey<M>> {
    const keys = await this.cache.keys();
    const record = defaultKey(keys, new Date(this.options.clock()));
    if (record !== undefined) return { record, material: await this.material(record) };
    this.creation ??= this.establishKey().finally(() => {
      this.creation = undefined;
    });
    return this.creation;
  }

  /**
   * The default key if it is already cached and unwrapped, without a single await: the warm
   * path of every protect. Undefined means "ask currentKey()".
   */
  cachedCurrentKey(): ResolvedKey<M> | undefined {
    const keys = this.cache.fresh();
    if (keys === undefined) return undefined;
    const record = defaultKey(keys, new Date(this.options.clock()));
    const material = record && this.unwrapped.get(record.keyId);
    return record !== undefined && material !== undefined ? { record, material } : undefined;
  }

  /** A usable (not revoked) key if already cached and unwrapped; undefined means "ask keyById()". */
  cachedKey(keyId: string): ResolvedKey<M> | undefined {
    const record = this.cache.peek(keyId);
    if (record === undefined || isRevoked(record)) return undefined;
    const material = this.unwrapped.get(keyId);
    return material !== undefined ? { record, material } : undefined;
  }

  /** Any key of the ring by id (created, active and expired keys all unprotect; revoked ones do not). */
  async keyById(keyId: string): Promise<KeyLookup<M>> {
    const record = await this.cache.find(keyId);
    if (record === undefined) return { status: 'unknown' };
    if (isRevoked(record)) return { status: 'revoked' };
    try {
      return { status: 'found', key: { record, material: await this.material(record) } };
    } catch (error) {
      if (error instanceof KeyUnwrapError) return { status: 'unusable' };
      throw error;
    }
  }

  /** Unwrapped material, one KMS call per key per instance. */
  material(record: KeyRecord): Promise<M> {
    const cached = this.materials.get(record.keyId);
    if (cached !== undefined) return cached;
    const { app, kind, keyWrapper } = this.options;
    const promise = keyWrapper
      .unwrap(record.wrapped, { app, ring: kind.ring, keyId: record.keyId })
      .then((plaintext) => {
        countMetric('KmsUnwrap', { ring: kind.ring, outcome: 'ok' });
        const material = kind.open(plaintext, record);
        this.unwrapped.set(record.keyId, material);
        return material;
      });
    this.materials.set(record.keyId, promise);
    promise.catch((error: unknown) => {
      countMetric('KmsUnwrap', { ring: kind.ring, outcome: 'failed' });
      // A key that does not unwrap under its own context never will (keys are immutable);
      // anything else (KMS outage) may pass, so the next caller tries again.
      if (error instanceof KeyUnwrapError) {
        logger.error('stored key does not unwrap under its own context', { ring: kind.ring, keyId: record.keyId });
      } else if (this.materials.get(record.keyId) === promise) {
        this.materials.delete(record.keyId);
      }
    });
    return promise;
  }

  /**
   * The ring has nothing usable (first deploy, everything revoked). Every instance in this
   * state races for the same lease; the losers re-read consistently and use the winner's key.
   */
  private async establishKey(): Promise<ResolvedKey<M>> {
    const { clock, kind } = this.options;
    let keys = await this.cache.keys();
    for (let round = 0; round < MAX_CREATION_ROUNDS; round++) {
      const now = new Date(clock());
      const existing = defaultKey(keys, now);
      if (existing !== undefined) return { record: existing, material: await this.material(existing) };
      const created = await createKeyUnderLease(this.options, immediateLifecycle(now, kind.policy), leaseFor(keys));
      if (created !== undefined) return this.adopt(created);
      // Lost: the winner's key is committed. A second loss in a row means a transaction
      // conflict with nobody winning yet, so back off a little before the next round.
      if (round > 0) await sleep(10 * 2 ** round * (0.5 + Math.random()));
      keys = await this.cache.reload({ consistent: true });
    }
    throw new NoUsableKeyError(kind.ring);
  }

  private adopt(created: CreatedKey<M>): ResolvedKey<M> {
    this.cache.add(created.record);
    this.materials.set(created.record.keyId, Promise.resolve(created.material));
    this.unwrapped.set(created.record.keyId, created.material);
    return { record: created.record, material: created.material };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
